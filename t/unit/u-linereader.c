// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/linereader.c: the lines of a buffer (sl_lines) and of
 * a file descriptor (sl_reader).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl/linereader.h"

/* Each line of text (len bytes) as "[LINE]" or "[LINE]-" when no newline ended it, in out. */
static void split(char *out, size_t cap, const char *text, size_t len)
{
	struct sl_lines it;
	size_t o = 0;
	long n = 0;

	sl_lines_init(&it, text, len);
	while (sl_lines_next(&it)) {
		ck_assert_int_eq(it.lineno, ++n);
		ck_assert_uint_lt(o + it.len + 3, cap);
		out[o++] = '[';
		memcpy(out + o, it.line, it.len);
		o += it.len;
		out[o++] = ']';
		if (!it.nl)
			out[o++] = '-';
	}
	out[o] = '\0';
	/* At the end: an empty line at the end of the text, and the next call says the same. */
	ck_assert_ptr_eq(it.line, text + len);
	ck_assert_ptr_eq(it.p, text + len);
	ck_assert_uint_eq(it.len, 0);
	ck_assert_int_eq(it.nl, 0);
	ck_assert_int_eq(sl_lines_next(&it), 0);
}

#define SPLIT(text, want)                                                                        \
	do {                                                                                     \
		char got_[256];                                                                  \
		split(got_, sizeof(got_), text, sizeof(text) - 1);                               \
		ck_assert_str_eq(got_, want);                                                    \
	} while (0)

START_TEST(lines_of_a_buffer)
{
	SPLIT("", "");
	SPLIT("\n", "[]");
	SPLIT("\n\n", "[][]");
	SPLIT("a", "[a]-");
	SPLIT("a\n", "[a]");
	SPLIT("a\nb", "[a][b]-");
	SPLIT("a\n\nb\n", "[a][][b]");
	SPLIT("\na", "[][a]-");
	/* CR stays in the line; only '\n' ends one. */
	SPLIT("a\r\nb\r\n\r", "[a\r][b\r][\r]-");
}
END_TEST

START_TEST(lines_of_a_buffer_hold_nul)
{
	static const char text[] = "a\0b\n\0\n";
	struct sl_lines it;

	sl_lines_init(&it, text, sizeof(text) - 1);
	ck_assert_int_eq(sl_lines_next(&it), 1);
	ck_assert_uint_eq(it.len, 3);
	ck_assert_mem_eq(it.line, "a\0b", 3);
	ck_assert_int_eq(it.nl, 1);
	ck_assert_ptr_eq(it.p, text + 4);
	ck_assert_int_eq(sl_lines_next(&it), 1);
	ck_assert_uint_eq(it.len, 1);
	ck_assert_int_eq(it.line[0], '\0');
	ck_assert_int_eq(sl_lines_next(&it), 0);
}
END_TEST

/* A file holding len bytes of text, read from its start. */
static int file_of(const char *text, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int reads;

static void count_read(void)
{
	reads++;
}

/* Every line of fd (max bytes each) as split() writes them, "+" after a line too long. */
static void read_all(char *out, size_t cap, int fd, size_t max)
{
	struct sl_reader r;
	size_t o = 0;
	long n = 0;
	int e;

	ck_assert_int_eq(sl_reader_init(&r, fd, max), 0);
	r.before_read = count_read;
	reads = 0;
	while ((e = sl_reader_next(&r)) == 1) {
		ck_assert_int_eq(r.lineno, ++n);
		ck_assert_uint_le(r.line.len, max);
		ck_assert_uint_lt(o + r.line.len + 3, cap);
		out[o++] = '[';
		memcpy(out + o, r.line.buf, r.line.len);
		o += r.line.len;
		out[o++] = ']';
		if (r.too_long)
			out[o++] = '+';
	}
	out[o] = '\0';
	ck_assert_int_eq(e, 0);
	ck_assert_int_eq(r.read_errno, 0);
	ck_assert_int_eq(r.stopped, 0);
	ck_assert_int_gt(reads, 0);
	/* The end stays the end. */
	ck_assert_int_eq(sl_reader_next(&r), 0);
	sl_reader_release(&r);
	close(fd);
}

#define READ(text, max, want)                                                                    \
	do {                                                                                     \
		char got_[256];                                                                  \
		read_all(got_, sizeof(got_), file_of(text, sizeof(text) - 1), max);              \
		ck_assert_str_eq(got_, want);                                                    \
	} while (0)

START_TEST(reader_lines)
{
	READ("", 10, "");
	READ("\n", 10, "[]");
	READ("a\nb\n", 10, "[a][b]");
	/* The end of the input in the middle of a line: still a line. */
	READ("a\nb", 10, "[a][b]");
	READ("a\n\n\nb\n", 10, "[a][][][b]");
	READ("a\r\nb\r\n", 10, "[a\r][b\r]");
	/* Exactly max bytes is a line; max + 1 is too long and keeps max, the rest skipped. */
	READ("abcd\nabcde\nx\n", 4, "[abcd][abcd]+[x]");
	READ("abcde", 4, "[abcd]+");
	READ("abcde\n", 5, "[abcde]");
}
END_TEST

START_TEST(reader_keeps_nul)
{
	static const char text[] = "a\0b\n\0";
	struct sl_reader r;

	ck_assert_int_eq(sl_reader_init(&r, file_of(text, sizeof(text) - 1), 8), 0);
	ck_assert_int_eq(sl_reader_next(&r), 1);
	ck_assert_uint_eq(r.line.len, 3);
	ck_assert_mem_eq(r.line.buf, "a\0b", 3);
	ck_assert_int_eq(sl_reader_next(&r), 1);
	ck_assert_uint_eq(r.line.len, 1);
	ck_assert_int_eq(sl_reader_next(&r), 0);
	close(r.fd);
	sl_reader_release(&r);
}
END_TEST

/* A line longer than the reader's buffer comes whole, over several reads. */
START_TEST(reader_line_across_reads)
{
	size_t n = 200000, i;
	char *text = malloc(n + 3);
	struct sl_reader r;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < n; i++)
		text[i] = (char)('a' + i % 26);
	memcpy(text + n, "\nz", 3);
	ck_assert_int_eq(sl_reader_init(&r, file_of(text, n + 2), n), 0);
	ck_assert_int_eq(sl_reader_next(&r), 1);
	ck_assert_int_eq(r.too_long, 0);
	ck_assert_uint_eq(r.line.len, n);
	ck_assert_mem_eq(r.line.buf, text, n);
	ck_assert_int_eq(sl_reader_next(&r), 1);
	ck_assert_str_eq(r.line.buf, "z");
	ck_assert_int_eq(sl_reader_next(&r), 0);
	close(r.fd);
	sl_reader_release(&r);
	/* Too long over several reads: the first max bytes, then the next line. */
	ck_assert_int_eq(sl_reader_init(&r, file_of(text, n + 2), 70000), 0);
	ck_assert_int_eq(sl_reader_next(&r), 1);
	ck_assert_int_eq(r.too_long, 1);
	ck_assert_uint_eq(r.line.len, 70000);
	ck_assert_mem_eq(r.line.buf, text, 70000);
	ck_assert_int_eq(sl_reader_next(&r), 1);
	ck_assert_int_eq(r.too_long, 0);
	ck_assert_str_eq(r.line.buf, "z");
	ck_assert_int_eq(r.lineno, 2);
	close(r.fd);
	sl_reader_release(&r);
	free(text);
}
END_TEST

/* A directory cannot be read: a real read error (EISDIR). */
START_TEST(reader_read_error)
{
	struct sl_reader r;
	int fd = open(".", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sl_reader_init(&r, fd, 8), 0);
	ck_assert_int_eq(sl_reader_next(&r), SL_EIO);
	ck_assert_int_eq(r.read_errno, EISDIR);
	ck_assert_int_eq(r.lineno, 0);
	sl_reader_release(&r);
	/* soft: the input ends, the error kept for the caller. */
	ck_assert_int_eq(sl_reader_init(&r, fd, 8), 0);
	r.soft = 1;
	ck_assert_int_eq(sl_reader_next(&r), 0);
	ck_assert_int_eq(r.read_errno, EISDIR);
	ck_assert_int_eq(sl_reader_next(&r), 0);
	ck_assert_int_eq(r.lineno, 0);
	sl_reader_release(&r);
	close(fd);
}
END_TEST

START_TEST(reader_stop)
{
	static volatile sig_atomic_t stop;
	struct sl_reader r;
	sigset_t none;
	int fds[2];

	/* Nothing to read and nobody writing: only the stop flag ends the wait. */
	ck_assert_int_eq(pipe(fds), 0);
	sigemptyset(&none);
	ck_assert_int_eq(sl_reader_init(&r, fds[0], 8), 0);
	r.stop = &stop;
	r.waitmask = &none;
	stop = 1;
	ck_assert_int_eq(sl_reader_next(&r), 0);
	ck_assert_int_eq(r.stopped, 1);
	ck_assert_int_eq(r.read_errno, 0);
	sl_reader_release(&r);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static Suite *linereader_suite(void)
{
	Suite *s = suite_create("linereader");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, lines_of_a_buffer);
	tcase_add_test(tc, lines_of_a_buffer_hold_nul);
	tcase_add_test(tc, reader_lines);
	tcase_add_test(tc, reader_keeps_nul);
	tcase_add_test(tc, reader_line_across_reads);
	tcase_add_test(tc, reader_read_error);
	tcase_add_test(tc, reader_stop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(linereader_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
