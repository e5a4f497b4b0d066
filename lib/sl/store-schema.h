// SPDX-License-Identifier: MIT
/*
 * The SQLite schema of a ledger (format 2), as lib/store-sqlite.c creates
 * it.  It lives in a header of its own only so that bench/sqlite-baseline.c
 * stores exactly the same tables and indexes as the store: no other file
 * may hold SQL (doc/design.md).
 */
#ifndef SL_STORE_SCHEMA_H
#define SL_STORE_SCHEMA_H

/* The database format (PRAGMA user_version) and application id ("SLGR"). */
#define SL_STORE_FORMAT 2
#define SL_STORE_APP_ID 0x534c4752

/* Everything sl-append writes to: meta, head, streams, entries, nodes. */
#define SL_STORE_SCHEMA_CORE \
	"PRAGMA application_id = 1397507922;\n" /* SL_STORE_APP_ID */ \
	"PRAGMA user_version = 2;\n" /* SL_STORE_FORMAT */ \
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n" \
	"CREATE TABLE head(id INTEGER PRIMARY KEY CHECK (id = 0), size INTEGER NOT NULL," \
	" root BLOB NOT NULL, ts TEXT NOT NULL);\n" \
	"INSERT INTO head VALUES (0, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '');\n" \
	"CREATE TABLE streams(id INTEGER PRIMARY KEY, type TEXT NOT NULL, source TEXT NOT NULL," \
	" last INTEGER NOT NULL, count INTEGER NOT NULL, UNIQUE (type, source));\n" \
	"CREATE TABLE entries(seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, type TEXT NOT NULL," \
	" source TEXT NOT NULL, entry BLOB NOT NULL, leaf BLOB NOT NULL," \
	" stream INTEGER NOT NULL, prev INTEGER, nth INTEGER NOT NULL);\n" \
	"CREATE INDEX entries_marks ON entries(stream, seq) WHERE nth % 16 = 0;\n" \
	"CREATE TABLE nodes(pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);\n"

/* The signed checkpoints (sl-checkpoint). */
#define SL_STORE_SCHEMA_CHECKPOINTS \
	"CREATE TABLE checkpoints(id INTEGER PRIMARY KEY, size INTEGER NOT NULL," \
	" root BLOB NOT NULL, note TEXT NOT NULL, vkey TEXT NOT NULL);\n"

/* The mutation index (format 2 ledgers made before it get it on their next append). */
#define SL_STORE_SCHEMA_LANES \
	"CREATE TABLE lanes(id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, source TEXT NOT NULL," \
	" UNIQUE (namespace, source));\n" \
	"CREATE TABLE mutations(seq INTEGER PRIMARY KEY, lane INTEGER NOT NULL, pos BLOB NOT NULL," \
	" count INTEGER NOT NULL, head INTEGER NOT NULL, headpos BLOB NOT NULL);\n" \
	"CREATE INDEX mutations_lane ON mutations(lane, seq);\n"

#endif
