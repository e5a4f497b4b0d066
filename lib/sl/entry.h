// SPDX-License-Identifier: MIT
/*
 * Entries: validating the lines that callers submit ({"type", "source",
 * "payload"}, DESIGN.md sections 2.1 and 3) and building the canonical
 * bytes that the ledger hashes once it has assigned `seq` and `ts`.
 *
 * A struct sl_batch collects validated entries in one buffer, so that a
 * batch of thousands of lines costs a handful of allocations.
 */
#ifndef SL_ENTRY_H
#define SL_ENTRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/hash.h"
#include "sl/time.h"

#define SL_ENTRY_MAX 65535 /* largest canonical entry, in bytes */
/* Longest submission line taken (sl-append, POST /v1/entries): no entry of SL_ENTRY_MAX is longer. */
#define SL_LINE_MAX (4 * SL_ENTRY_MAX)
#define SL_SOURCE_MAX 256
/* Room taken by the members the ledger adds: seq, ts and the member names. */
#define SL_ENTRY_OVERHEAD 96

/*
 * Check a parsed submission: exactly the members type, source and payload,
 * and the payload against the schema of its type.  Returns 0 or SL_EINVAL
 * naming the member in err.
 */
int sl_entry_validate(const json_t *submission, struct sl_error *err) SL_WUR;

/* Check a payload against the schema of `type` (code, config, ...). */
int sl_payload_validate(const char *type, const json_t *payload, struct sl_error *err) SL_WUR;

/*
 * The seq of a stored entry (its canonical bytes, as sl-get prints them):
 * 0, or SL_EINVAL naming the fault when s is not a JSON object with a
 * non-negative integer seq.  Nothing else of the entry is checked.
 */
int sl_entry_seq(const char *s, size_t len, uint64_t *seq, struct sl_error *err) SL_WUR;

/* True for "code", "config", "environment", "mutation" and well-formed "x-NAME". */
int sl_type_valid(const char *type);
/* 1-256 bytes of UTF-8 without control characters. */
int sl_source_valid(const char *s, size_t len);

struct sl_batch_item {
	size_t off;       /* start of this item's data in the batch buffer */
	size_t type_len;  /* raw type, then a NUL */
	size_t src_len;   /* raw source, then a NUL */
	size_t pre_len;   /* `{"payload":<canon>,"seq":` */
	size_t mid_len;   /* `,"source":<canon>,"ts":"` */
	size_t post_len;  /* `","type":<canon>}` */
	long line;        /* input line, for messages */
	/*
	 * A mutation's namespace (NUL-terminated, at ns_off in the batch
	 * buffer) and position key, taken when it was validated so that the
	 * ledger's mutation index need not parse it again; ns_off 0: none.
	 */
	size_t ns_off;
	unsigned char pos[9]; /* SL_POSKEY_LEN (lib/sl/store.h) */
	struct sl_sha256 pre_hash; /* SHA-256 state after 0x00 || pre: the leaf hash's start */
};

struct sl_batch {
	struct sl_buf data;
	struct sl_batch_item *items;
	size_t n, alloc;
	/*
	 * The seq the next added entry will most likely get (0 if unknown):
	 * the size limit is checked with its number of digits.  The ledger
	 * checks the exact size again once it has assigned the seq.
	 */
	uint64_t seq_hint;
};

void sl_batch_init(struct sl_batch *b);
void sl_batch_reset(struct sl_batch *b);
void sl_batch_release(struct sl_batch *b);

/* True when the n bytes at s are only spaces, tabs and CRs: a line that submits nothing. */
int sl_line_blank(const char *s, size_t n);

/*
 * Parse, validate and add one submitted line (len bytes, no newline).
 * `line` is the input line number for messages.  On SL_EINVAL the batch is
 * unchanged and err (with err->line set) says why.
 */
int sl_batch_add_line(struct sl_batch *b, const char *s, size_t len, long line,
		      struct sl_error *err) SL_WUR;

/* Add an already parsed submission (validated here). */
int sl_batch_add_json(struct sl_batch *b, const json_t *submission, long line,
		      struct sl_error *err) SL_WUR;

/* Set err for an entry of `len` canonical bytes, over SL_ENTRY_MAX; returns SL_EINVAL. */
int sl_entry_too_big(struct sl_error *err, size_t len);

/* Item i's mutation namespace and position key: 1, or 0 when it is not a mutation. */
int sl_batch_mutation(const struct sl_batch *b, size_t i, const char **ns, const unsigned char **pos);

/* The raw type and source of item i (NUL-terminated). */
const char *sl_batch_type(const struct sl_batch *b, size_t i);
const char *sl_batch_source(const struct sl_batch *b, size_t i);

/*
 * Build the canonical entry of item i with its seq and ts into out
 * (replacing its contents) and, when leaf is not NULL, its leaf hash.
 */
int sl_batch_entry(const struct sl_batch *b, size_t i, uint64_t seq, const char *ts,
		   struct sl_buf *out, unsigned char leaf[SL_HASH_LEN]) SL_WUR;

/*
 * The canonical tail of a stored entry: `,"seq":N,"source":S,"ts":"T","type":Y}`.
 * sl-verify compares it with the stored bytes to check the indexed columns.
 */
int sl_entry_tail(struct sl_buf *out, uint64_t seq, const char *type, const char *source,
		  const char *ts) SL_WUR;

#endif
