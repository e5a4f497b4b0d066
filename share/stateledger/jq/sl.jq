# SPDX-License-Identifier: MIT
# Helpers for advisory rules.  sl-advisory runs every rule with jq -L set
# to this directory, so a rule (a shipped one or a user's) may say
#   include "sl";
#
# A finding's message is for people and is at most 4,096 bytes; a rule
# that reports a list says how long it is, names the first few of it in
# the message and puts the whole list in the finding's "items" (with its
# length in "total"):
#   {..., message: "\(length | sl_count("config file"; "config files")) not stored: \(map(.path) | sl_list)",
#    items: map(.path), total: length}

# The first $n strings of the input array, each cut at 120 characters,
# joined by ", ", then ", … and K more" when $total (the length of the
# whole list, which may be longer than the input) is larger than $n.
def sl_list($total; $n):
  (.[0:$n] | map(tostring | if length > 120 then .[0:119] + "…" else . end)) as $h
  | ($h | join(", "))
    + (if $total > ($h | length) then ", … and \($total - ($h | length)) more" else "" end);

# The same with at most 5 strings named: at most about 2,500 bytes.
def sl_list($total): sl_list($total; 5);
def sl_list: sl_list(length; 5);

# A count and its noun, singular for 1: 1 | sl_count("gap"; "gaps") is "1 gap".
def sl_count($one; $many): "\(.) \(if . == 1 then $one else $many end)";
