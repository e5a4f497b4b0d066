// SPDX-License-Identifier: MIT
/*
 * Human output (-o text, --format text) for the programs in cmd/: one place
 * for the columns, the short hashes, the times and the colour, so that every
 * program prints them alike.
 *
 * A program keeps writing its JSON lines with sl_out(); sl_text_start()
 * turns each complete line into a call of the program's formatter, which
 * adds rows to a table (or prints lines).  The table is printed, aligned,
 * at sl_out_flush() and sl_out_close(), so -o json (the default) takes no
 * other path and its bytes never change.
 */
#ifndef SL_CMD_UTIL_TEXT_H
#define SL_CMD_UTIL_TEXT_H

#include <jansson.h>
#include <stddef.h>

#include "sl/buf.h"

enum sl_format { SL_FORMAT_JSON = 0, SL_FORMAT_TEXT = 1 };

/*
 * The value of -o/--format: "json" or "text", else a usage error (2)
 * naming the option and the value.
 */
enum sl_format sl_format_arg(const char *arg, const char *usage);

/*
 * 1 when text output should be coloured: SL_COLOR=always forces it on and
 * SL_COLOR=never off; otherwise NO_COLOR (set and not empty) or a stdout
 * that is not a terminal (or TERM=dumb) turns it off.
 */
int sl_text_color(void);

/* SGR colours for sl_table_cell() (ignored when colour is off). */
#define SL_C_NONE NULL
#define SL_C_DIM "2"
#define SL_C_BOLD "1"
#define SL_C_RED "31"
#define SL_C_GREEN "32"
#define SL_C_YELLOW "33"
#define SL_C_BLUE "34"
#define SL_C_CYAN "36"

/*
 * Called with each complete line the program writes (without its "\n") and,
 * at the end of the output, with line NULL: a last line without "\n" has
 * been passed before.
 */
typedef void (*sl_text_line_fn)(const char *line, size_t len);
/* From now on, sl_out() hands lines to fn instead of writing them. */
void sl_text_start(sl_text_line_fn fn);

/*
 * The -o/--format option: its value checked as sl_format_arg does, and with
 * text, sl_text_start(fn).  One call in each program's option switch.
 */
void sl_format_opt(const char *arg, const char *usage, sl_text_line_fn fn);

/* A line's JSON value, or dies 100 (the programs only parse what they wrote). */
json_t *sl_text_json(const char *line, size_t len);

/*
 * The table: rows of cells, printed with each column padded to its widest
 * cell (widths in characters, not bytes; the last column is not padded).
 * Widths only grow, so the rows of a long listing printed in batches stay
 * aligned with those before.
 */
void sl_table_row(void);
/* A cell of the current row, in colour `color` (an SL_C_ code or NULL). */
void sl_table_cell(const char *color, const char *fmt, ...) SL_PRINTF(2, 3);
/* A row of column names (NULL-terminated), in colour `color`. */
void sl_table_header(const char *color, const char *const *names);
/*
 * For the line formatter of a listing (one row per line): the line's JSON
 * value (json_decref it), after the header `cols` before the first row,
 * the table being printed every 1000 rows; at the end (line NULL), NULL,
 * after the line `empty` when there was no row.
 */
json_t *sl_text_listing(const char *line, size_t len, const char *const *cols, const char *empty);
/* A line of its own, not in the columns (a heading, a summary), printed in order. */
void sl_table_line(const char *color, const char *fmt, ...) SL_PRINTF(2, 3);
/* Print the rows so far (through sl_out_raw) and forget them. */
void sl_table_flush(void);
/* sl_table_flush(), and forget the widths too: the next table has columns of its own. */
void sl_table_end(void);

/* The first 12 hex digits of a hash (all of a shorter string); NULL gives "-". */
const char *sl_text_short(const char *hex, char out[13]);
/* s cut to 12 digits when it is a full digest or object id (40 or 64 lowercase hex), else s. */
const char *sl_text_hash_or(const char *s, char out[13]);
/*
 * A ledger time (or any sl_time_parse() time) for a person:
 * "2026-12-02 13:55:01Z (3 h ago)"; an unparsable string is returned as is.
 * The result lives until the next call.
 */
const char *sl_text_time(const char *ts);
/* A JSON value as a short string: a string's text, a number, true/false; "-" for NULL. */
const char *sl_text_value(const json_t *v, struct sl_buf *scratch);
/*
 * One line about a payload of type `type`, into b (reset first): a commit
 * (short) with its tags, branch and dirty flag; a config's digest and
 * whether it is stored; an environment's os, kernel and arch; a mutation's
 * position and id; else the payload as JSON, cut at 60 characters.
 */
void sl_text_summary(const char *type, const json_t *payload, struct sl_buf *b);
/* A snapshot item's "entry" string parsed (json_decref it); NULL when it has none. */
json_t *sl_text_entry_of(const json_t *item);
/*
 * sl-snapshot -o text (util-text-snapshot.c): the snapshot s as one screen:
 * the time, size, root and checkpoint, then each type's sources sorted, and
 * each namespace's head.
 */
void sl_text_snapshot(const json_t *s);

#endif
