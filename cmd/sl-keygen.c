// SPDX-License-Identifier: MIT
/*
 * sl-keygen: make an ECDSA P-256 or Ed25519 checkpoint key pair, or a
 * witness's Ed25519 cosignature key, and print its verifier key.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "sl/checkpoint.h"

static const char usage[] = "sl-keygen [-L ADDRESS] [-k FILE] [--name NAME] [--type ecdsa|ed25519|cosignature]";
static const char help[] =
	"usage: sl-keygen [-L ADDRESS] [-k FILE] [--name NAME]\n"
	"                 [--type ecdsa|ed25519|cosignature]\n"
	"\n"
	"Make a key pair for signing checkpoints (ECDSA P-256 unless --type says\n"
	"otherwise), write the private key to FILE (mode 0600, never overwritten)\n"
	"and print the verifier key in signed-note form, NAME+KEYID+KEY, on\n"
	"standard output.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -k, --key-file FILE\n"
	"                     the private key file (default: $SL_KEY_DIR/checkpoint.key,\n"
	"                     else DIR/keys/checkpoint.key); -o, --output FILE is a\n"
	"                     deprecated alias\n"
	"  --name NAME        the key name (default: the ledger's origin)\n"
	"  --type TYPE        ecdsa (P-256, signed-note type 0x02; the default),\n"
	"                     ed25519 (signed-note type 0x01), or cosignature: a\n"
	"                     witness's Ed25519 key for C2SP tlog-cosignature/v1\n"
	"                     (type 0x04; needs -k and --name, see sl-witness)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 key made, 2 usage, 100 FILE exists or no ledger, 111 system failure.\n";

/* The ledger's origin, the default key name; dies when there is no ledger to ask. */
static char *ledger_origin(const char *ldir)
{
	struct sl_error err = { 0 };
	struct sl_buf o = SL_BUF_INIT;
	struct sl_ledger *l;
	const char *dir = sl_ledger_dir(ldir);
	char *r;
	int e;

	if ((e = sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 10000, &err)) < 0)
		sl_die_err(&err, e, "unable to open the ledger for its origin (or give --name)");
	if ((e = sl_ledger_origin(l, &o, &err)) < 0)
		sl_die_err(&err, e, "unable to read the ledger's origin");
	sl_ledger_close(l);
	if (!(r = sl_buf_detach(&o, NULL)))
		sl_die(SL_EXIT_TEMP, "out of memory");
	return r;
}

static void write_key(const char *path, const struct sl_buf *b)
{
	struct sl_buf dir = SL_BUF_INIT;
	const char *slash;
	size_t off = 0;
	int fd, dfd, code;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		code = (errno == EEXIST || errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			       ? SL_EXIT_DATA
			       : sl_errno_exit(errno);
		sl_die(code, "unable to create '%s': %s%s", path, strerror(errno),
		       errno == EEXIST ? " (a key is never overwritten)" : "");
	}
	/* 0600 whatever the umask left. */
	if (fchmod(fd, 0600) != 0)
		goto fail;
	while (off < b->len) {
		ssize_t n = write(fd, b->buf + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	/* The new name must survive a crash too. */
	slash = strrchr(path, '/');
	sl_buf_add(&dir, slash ? path : ".", slash ? (size_t)(slash - path) + (slash == path) : 1);
	if (sl_buf_ok(&dir) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	if ((dfd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0)
		sl_die(sl_errno_exit(errno), "unable to sync '%s': %s", dir.buf, strerror(errno));
	close(dfd);
	sl_buf_release(&dir);
	return;
fail:
	code = errno;
	if (fd >= 0)
		close(fd);
	unlink(path);
	sl_die(SL_EXIT_TEMP, "unable to write '%s': %s", path, strerror(code));
}

int main(int argc, char **argv)
{
	enum { O_NAME = 256, O_TYPE };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'k' }, /* deprecated alias of --key-file */
		{ "name", required_argument, NULL, O_NAME },
		{ "type", required_argument, NULL, O_TYPE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf file = SL_BUF_INIT, path = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_signer k;
	const char *ldir = NULL, *opath = NULL, *name = NULL;
	char *origin = NULL;
	int c, e, type = SL_KEY_ECDSA;

	sl_cmd_start("sl-keygen");
	/* -o is a deprecated alias of -k: elsewhere -o is the output format. */
	while ((c = sl_getopt(argc, argv, "L:k:o:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'k':
		case 'o': opath = optarg; break;
		case O_NAME: name = optarg; break;
		case O_TYPE:
			if (!(type = sl_key_type_parse(optarg)))
				sl_die(SL_EXIT_USAGE, "--type wants ecdsa, ed25519 or cosignature, not "
				       "'%.80s'", optarg);
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	if (opath && !*opath)
		sl_usage_fail(usage, "'-k' needs a file name");
	if (name && !sl_note_name_valid(name, strlen(name)))
		sl_die(SL_EXIT_USAGE, "--name wants 1 to 255 bytes without spaces, control "
		       "characters or '+', not '%.80s'", name);
	/* A witness is no ledger: neither its name nor its key's place comes from one. */
	if (type == SL_KEY_COSIG && (!name || !opath))
		sl_die(SL_EXIT_USAGE, "--type cosignature needs --name NAME and -o FILE "
		       "(a witness key belongs to no ledger)");
	if (!name) {
		origin = ledger_origin(ldir);
		name = origin;
	}
	if (!opath) {
		struct sl_buf kd = SL_BUF_INIT;
		sl_buf_addf(&path, "%s/checkpoint.key", sl_key_dir(sl_ledger_dir(ldir), &kd));
		sl_buf_release(&kd);
		if (sl_buf_ok(&path) < 0)
			sl_die(SL_EXIT_TEMP, "out of memory");
		opath = path.buf;
	}
	if ((e = sl_signer_generate_type(&k, type, name, &err)) < 0)
		sl_die_err(&err, e, "unable to make a key");
	if ((e = sl_signer_write(&file, &k)) < 0 || (e = sl_vkey_format(&out, &k.vk)) < 0)
		sl_die(SL_EXIT_TEMP, "unable to encode the key: %s", sl_strerror(e));
	sl_signer_wipe(&k);
	write_key(opath, &file);
	memset(file.buf, 0, file.len);
	sl_buf_release(&file);
	sl_buf_addch(&out, '\n');
	if (sl_buf_ok(&out) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_buf_release(&path);
	free(origin);
	return 0;
}
