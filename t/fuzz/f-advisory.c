// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: untrusted snapshot documents as sl-advisory and
 * sl-replay read them (the rule input, the replay plan and its analysis),
 * and untrusted rule output checked as findings against them.  Nothing
 * may crash or leak, and the scorer stays within 0..100.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/advisory.h"
#include "sl/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_replay_plan p;
	struct sl_advisory a;
	struct sl_buf out = SL_BUF_INIT;
	struct sl_score s;
	const char *text = (const char *)data;
	const char *nl = memchr(data, '\n', size);
	size_t k;

	sl_replay_init(&p);
	if (sl_replay_add_snapshot(&p, text, size, &err) == 0 && sl_replay_build(&p, &err) == 0) {
		for (k = 0; k < p.nsteps; k++)
			(void)!sl_replay_step_write(&p, k, &out);
		for (k = 0; k < p.nissues; k++)
			(void)!sl_replay_issue_write(&p, k, &out);
		(void)!sl_replay_summary(&p, 3, &out);
	}
	sl_replay_release(&p);
	sl_buf_reset(&out);
	/* The first line a snapshot, the rest a rule's output. */
	if (sl_advisory_load(&a, text, nl ? (size_t)(nl - text) : size, NULL, &err) == 0) {
		if (nl)
			(void)!sl_advisory_add(&a, "fuzz", nl + 1, size - (size_t)(nl + 1 - text), NULL, &err);
		sl_advisory_score(&a, &s);
		if (s.risk < 0 || s.risk > SL_RISK_MAX)
			abort();
		(void)!sl_advisory_report(&a, NULL, NULL, &out, &s);
	}
	sl_advisory_release(&a);
	sl_buf_release(&out);
	return 0;
}
