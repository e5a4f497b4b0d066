// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: untrusted add-checkpoint bodies as sl-witness reads
 * them (the old size, the proof lines, the note), checked against a fixed
 * trusted log and a last cosigned size; the note's cosignatures checked
 * and counted; and the same bytes as a witness configuration.  Nothing
 * may crash or leak, and every answer is one of the spec's statuses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/cosig.h"
#include "sl/witness.h"
#include "sl/witnessing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_witness_request r;
	static const unsigned char root[SL_HASH_LEN] = { 1 };
	struct sl_witness_config c = SL_WITNESS_CONFIG_INIT;
	struct sl_witness_log log;
	struct sl_error err = { 0 };
	size_t valid;
	uint64_t ts;
	int st;

	memset(&log, 0, sizeof(log));
	memcpy(log.origin, "example.com/log", 16);
	/* A witness key and a log key of known form (no secret needed to check). */
	log.nkeys = 1;
	memcpy(log.keys[0].name, "example.com/log", 16);
	log.keys[0].type = SL_KEY_ED25519;
	if (sl_witness_request_parse(&r, (const char *)data, size, &err) == 0) {
		(void)!sl_witness_log_signed(&log, &r, &err);
		st = sl_witness_check_growth(&r, 3, root, &err);
		if (st != SL_WITNESS_OK && st != SL_WITNESS_BAD_REQUEST && st != SL_WITNESS_CONFLICT &&
		    st != SL_WITNESS_UNPROCESSABLE)
			abort();
		log.keys[0].type = SL_KEY_COSIG;
		(void)!sl_cosig_verify(r.note, r.note_len, &log.keys[0], &ts, &err);
		(void)!sl_witness_quorum(r.note, r.note_len, log.keys, 1, 1, &valid, NULL, &err);
	}
	(void)!sl_witness_config_parse(&c, (const char *)data, size, &err);
	sl_witness_config_release(&c);
	return 0;
}
