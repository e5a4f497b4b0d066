// SPDX-License-Identifier: MIT

// Command verify checks a StateLedger log with code nobody here wrote: Go's
// golang.org/x/mod/sumdb/note (signed notes) and sumdb/tlog (RFC 6962
// hashing, proofs and tiles), as Debian ships them (x/mod 0.7), and the
// standard library. It shares nothing with the C code it checks.
//
//	verify -key VKEY -tiles DIR|URL [-checkpoint FILE|URL] [-old FILE|URL]...
//	       [-entries all|none|I,J,...] [-witness VKEY]...
//
// It reads the checkpoint (FILE or URL, else the tiles' own), checks its Ed25519
// signature with note.Open, then reads C2SP tlog-tiles from a directory or
// over HTTP through a tlog.TileReader that maps x/mod's tile paths to C2SP's,
// and checks:
//   - that the tiles give the checkpoint's root (tlog.TreeHash);
//   - the inclusion of each chosen entry: its record hash is computed here
//     from the entry bundle's bytes, its proof read from the tiles, and the
//     proof checked against the signed root (tlog.ProveRecord, CheckRecord);
//   - for each -old checkpoint, its signature, that the tiles give its root
//     too, and the consistency of the two trees (tlog.ProveTree, CheckTree);
//   - for each -witness key, a C2SP tlog-cosignature/v1 on the checkpoint,
//     checked with crypto/ed25519 (x/mod 0.7 has no cosignature verifier),
//     on a line that note.Open read as a signature of that name and key id.
//
// x/mod 0.7's TileHashReader can return a hash from a tile it never checked
// against the tree (its check loop counts subtree indexes, not tiles), so no
// answer of ReadHashes is trusted alone: every check ends in a comparison
// with the signed root.
//
// It prints one line per check, "ok ..." or "fail ...", and exits 0 when all
// hold, 1 when any does not, 2 on a usage error.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8 // C2SP tlog-tiles: 256 hashes a tile

var failed bool

func ok(format string, a ...interface{}) {
	fmt.Printf("ok "+format+"\n", a...)
}

func fail(format string, a ...interface{}) {
	failed = true
	fmt.Printf("fail "+format+"\n", a...)
}

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "verify: usage: %s\n", msg)
	os.Exit(2)
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// source reads the files of a tile tree: a directory, or a URL prefix.
type source struct {
	base   string
	http   *http.Client
	cache  map[string][]byte
	nfetch int
}

func newSource(base string) *source {
	s := &source{base: base, cache: make(map[string][]byte)}
	if isURL(base) {
		s.base = strings.TrimSuffix(base, "/")
		s.http = &http.Client{Timeout: 30 * time.Second}
	}
	return s
}

// get returns the file at the C2SP path p (e.g. "tile/0/001.p/44"), read once.
func (s *source) get(p string) ([]byte, error) {
	if b, ok := s.cache[p]; ok {
		return b, nil
	}
	var b []byte
	var err error
	if s.http != nil {
		b, err = fetch(s.http, s.base+"/"+p)
	} else {
		b, err = os.ReadFile(filepath.Join(s.base, filepath.FromSlash(p)))
	}
	if err != nil {
		return nil, err
	}
	s.nfetch++
	s.cache[p] = b
	return b, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// fetch GETs u; anything but 200 is an error.
func fetch(c *http.Client, u string) ([]byte, error) {
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: HTTP status %d", u, resp.StatusCode)
	}
	return b, err
}

// c2spPath maps an x/mod tile path (tile/8/L/N[.p/W], tile/8/data/N[.p/W])
// to C2SP's (tile/L/N[.p/W], tile/entries/N[.p/W]).
func c2spPath(t tlog.Tile) (string, error) {
	if t.H != height {
		return "", fmt.Errorf("tile of height %d: C2SP tiles have height %d", t.H, height)
	}
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", height)
	if !strings.HasPrefix(p, prefix) {
		return "", fmt.Errorf("unexpected x/mod tile path %q", p)
	}
	rest := p[len(prefix):]
	if strings.HasPrefix(rest, "data/") {
		return "tile/entries/" + rest[len("data/"):], nil
	}
	return "tile/" + rest, nil
}

// tileReader is the tlog.TileReader over a source.
type tileReader struct{ src *source }

func (r tileReader) Height() int { return height }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		p, err := c2spPath(t)
		if err != nil {
			return nil, err
		}
		b, err := r.src.get(p)
		if err != nil {
			return nil, err
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s is %d bytes, not %d hashes", p, len(b), t.W)
		}
		data[i] = b
	}
	return data, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// checkpoint is a C2SP tlog-checkpoint: the note text and what it says.
type checkpoint struct {
	name   string // where it came from, for the messages
	raw    []byte // the whole signed note
	text   string // the signed text, up to the blank line
	sigs   []string
	origin string
	tree   tlog.Tree
	// The signature lines note.Open read but could not check (cosignatures
	// among them), when it opened the note.
	unverified []note.Signature
	opened     bool
}

// parseCheckpoint splits a note into text and signature lines and parses the
// text's first three lines. The signatures are not checked here.
func parseCheckpoint(name string, raw []byte) (*checkpoint, error) {
	c := &checkpoint{name: name, raw: raw}
	i := bytes.LastIndex(raw, []byte("\n\n"))
	if i < 0 || len(raw) == 0 || raw[len(raw)-1] != '\n' {
		return nil, errors.New("not a signed note: no blank line before the signatures")
	}
	c.text = string(raw[:i+1])
	c.sigs = strings.Split(strings.TrimSuffix(string(raw[i+2:]), "\n"), "\n")
	lines := strings.Split(strings.TrimSuffix(c.text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, errors.New("a checkpoint has an origin, a size and a root")
	}
	c.origin = lines[0]
	if c.origin == "" {
		return nil, errors.New("empty origin")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return nil, fmt.Errorf("bad tree size %q", lines[1])
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return nil, fmt.Errorf("bad root hash %q", lines[2])
	}
	c.tree.N = n
	copy(c.tree.Hash[:], h)
	return c, nil
}

func readCheckpoint(name string, src *source) (*checkpoint, error) {
	var raw []byte
	var err error
	switch {
	case src != nil:
		raw, err = src.get("checkpoint")
	case isURL(name):
		raw, err = fetch(&http.Client{Timeout: 30 * time.Second}, name)
	default:
		raw, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	return parseCheckpoint(name, raw)
}

// checkSignature opens the note with x/mod's note package and the log's key.
func checkSignature(c *checkpoint, v note.Verifier) {
	n, err := note.Open(c.raw, note.VerifierList(v))
	if err != nil {
		fail("checkpoint signature: %s: %v", c.name, err)
		return
	}
	if n.Text != c.text {
		fail("checkpoint signature: %s: note.Open's text is not the checkpoint's", c.name)
		return
	}
	c.unverified, c.opened = n.UnverifiedSigs, true
	ok("checkpoint signature: %s: origin %s, size %d, signed by %s", c.name, c.origin, c.tree.N, v.Name())
}

// bundle returns the entries of entry bundle k for a tree of size n.
func bundle(src *source, k, n int64) ([][]byte, error) {
	w := int64(1 << height)
	if rest := n - k<<height; rest < w {
		w = rest
	}
	p, err := c2spPath(tlog.Tile{H: height, L: -1, N: k, W: int(w)})
	if err != nil {
		return nil, err
	}
	b, err := src.get(p)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("%s: a length cut short", p)
		}
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return nil, fmt.Errorf("%s: entry %d: %d bytes said, %d there", p, len(out), l, len(b)-2)
		}
		out = append(out, b[2:2+l])
		b = b[2+l:]
	}
	if int64(len(out)) != w {
		return nil, fmt.Errorf("%s holds %d entries, not %d", p, len(out), w)
	}
	return out, nil
}

// checkInclusion proves entry i of the tree from the tiles and checks the proof
// against the signed root with the record hash of the bundle's bytes.
func checkInclusion(src *source, hr tlog.HashReader, tree tlog.Tree, i int64) {
	entries, err := bundle(src, i>>height, tree.N)
	if err != nil {
		fail("inclusion: entry %d: %v", i, err)
		return
	}
	rh := tlog.RecordHash(entries[i&(1<<height-1)])
	p, err := tlog.ProveRecord(tree.N, i, hr)
	if err != nil {
		fail("inclusion: entry %d: no proof from the tiles: %v", i, err)
		return
	}
	if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, rh); err != nil {
		fail("inclusion: entry %d in size %d: %v", i, tree.N, err)
		return
	}
	ok("inclusion: entry %d in size %d (%d hashes)", i, tree.N, len(p))
}

// checkConsistency checks an older checkpoint against the newer tree's tiles.
func checkConsistency(hr tlog.HashReader, newer, older *checkpoint) {
	t, n := newer.tree, older.tree
	what := fmt.Sprintf("%d -> %d", n.N, t.N)
	switch {
	case n.N > t.N:
		fail("consistency %s: %s is larger than the checkpoint", what, older.name)
		return
	case n.N == 0:
		if n.Hash != tlog.Hash(sha256.Sum256(nil)) {
			fail("consistency %s: the empty tree's root is not SHA-256(\"\")", what)
		} else {
			ok("consistency %s: the empty tree", what)
		}
		return
	}
	th, err := tlog.TreeHash(n.N, hr)
	if err != nil {
		fail("consistency %s: tree hash at %d from the tiles: %v", what, n.N, err)
	} else if th != n.Hash {
		fail("consistency %s: the tiles give root %v at %d, %s says %v", what, th, n.N, older.name, n.Hash)
	} else {
		ok("consistency %s: the tiles give %s's root", what, older.name)
	}
	p, err := tlog.ProveTree(t.N, n.N, hr)
	if err != nil {
		fail("consistency %s: no proof from the tiles: %v", what, err)
		return
	}
	if err := tlog.CheckTree(p, t.N, t.Hash, n.N, n.Hash); err != nil {
		fail("consistency %s: %v", what, err)
		return
	}
	ok("consistency %s: proof of %d hashes checks", what, len(p))
}

// cosigVerifier is a C2SP tlog-cosignature/v1 key: name+id+base64(0x04 || key).
type cosigVerifier struct {
	vkey string
	name string
	id   uint32
	key  ed25519.PublicKey
}

func parseCosigVerifier(vkey string) (*cosigVerifier, error) {
	f := strings.SplitN(vkey, "+", 3)
	if len(f) != 3 || f[0] == "" || len(f[1]) != 8 {
		return nil, errors.New("not name+id+key")
	}
	id, err := strconv.ParseUint(f[1], 16, 32)
	if err != nil {
		return nil, errors.New("bad key id")
	}
	raw, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		return nil, errors.New("not a 0x04 (cosignature/v1) Ed25519 key")
	}
	h := sha256.Sum256(append([]byte(f[0]+"\n"), raw...))
	if binary.BigEndian.Uint32(h[:4]) != uint32(id) {
		return nil, errors.New("the key id is not SHA-256(name || 0x0A || 0x04 || key)")
	}
	return &cosigVerifier{vkey: vkey, name: f[0], id: uint32(id), key: raw[1:]}, nil
}

// checkCosignature finds the witness's line(s) and checks one over
// "cosignature/v1\ntime <T>\n" || the checkpoint text.
func checkCosignature(c *checkpoint, w *cosigVerifier) {
	prefix := "— " + w.name + " "
	found := 0
	for _, line := range c.sigs {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(line[len(prefix):])
		if err != nil || len(sig) < 4 || binary.BigEndian.Uint32(sig) != w.id {
			continue // another key of that name
		}
		found++
		if len(sig) != 4+8+ed25519.SignatureSize {
			fail("cosignature by %s: %d bytes, not 4+8+64", w.name, len(sig))
			return
		}
		ts := binary.BigEndian.Uint64(sig[4:12])
		if ts > 1<<63-1 {
			fail("cosignature by %s: time %d is over 2^63-1", w.name, ts)
			return
		}
		msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, c.text)
		if !ed25519.Verify(w.key, []byte(msg), sig[12:]) {
			fail("cosignature by %s: time %d: the signature does not verify", w.name, ts)
			return
		}
		// The framing is x/mod's too: note.Open read the line as a signature
		// by that name and key id (one it has no verifier for).
		if c.opened && !hasSig(c.unverified, w.name, w.id) {
			fail("cosignature by %s: note.Open did not read it as a signature line", w.name)
			return
		}
		ok("cosignature by %s: time %d, on %s size %d", w.name, ts, c.origin, c.tree.N)
		return
	}
	if found == 0 {
		fail("cosignature by %s: no signature line by that key", w.name)
	}
}

func hasSig(sigs []note.Signature, name string, id uint32) bool {
	for _, s := range sigs {
		if s.Name == name && s.Hash == id {
			return true
		}
	}
	return false
}

func parseEntries(s string, n int64) ([]int64, error) {
	var out []int64
	switch s {
	case "none":
		return nil, nil
	case "all":
		for i := int64(0); i < n; i++ {
			out = append(out, i)
		}
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		i, err := strconv.ParseInt(f, 10, 64)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("bad entry index %q", f)
		}
		out = append(out, i)
	}
	return out, nil
}

func main() {
	var olds, witnesses multi
	key := flag.String("key", "", "the log's Ed25519 verifier key (signed-note form)")
	tiles := flag.String("tiles", "", "the tiles: a directory, or an http:// URL prefix")
	cpFile := flag.String("checkpoint", "", "the checkpoint to check, a file or a URL (default: the tiles' own)")
	entries := flag.String("entries", "all", "entries to prove: all, none, or I,J,...")
	flag.Var(&olds, "old", "an older checkpoint (file or URL) to prove consistent (repeatable)")
	flag.Var(&witnesses, "witness", "a cosigner's verifier key, name+id+base64(0x04||key) (repeatable)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: verify -key VKEY -tiles DIR|URL [-checkpoint FILE|URL] [-old FILE|URL]... [-entries all|none|I,J,...] [-witness VKEY]...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *key == "" || *tiles == "" || flag.NArg() != 0 {
		usage("-key and -tiles are required, and nothing else")
	}
	v, err := note.NewVerifier(*key)
	if err != nil {
		usage(fmt.Sprintf("-key: %v", err))
	}
	var wvs []*cosigVerifier
	for _, s := range witnesses {
		w, err := parseCosigVerifier(s)
		if err != nil {
			usage(fmt.Sprintf("-witness %s: %v", s, err))
		}
		wvs = append(wvs, w)
	}
	if _, err := parseEntries(*entries, 0); err != nil {
		usage("-entries: " + err.Error())
	}
	src := newSource(*tiles)

	var cp *checkpoint
	if *cpFile != "" {
		cp, err = readCheckpoint(*cpFile, nil)
	} else {
		cp, err = readCheckpoint(*tiles+"/checkpoint", src)
	}
	if err != nil {
		fail("checkpoint: %v", err)
		os.Exit(1)
	}
	// A bad signature is reported and the tiles are still checked against the
	// root it claims, so that one run says everything that does not hold.
	checkSignature(cp, v)
	for _, w := range wvs {
		checkCosignature(cp, w)
	}

	tree := cp.tree
	if tree.N == 0 {
		fail("tree hash: the checkpoint is of the empty tree: nothing to check")
		os.Exit(1)
	}
	hr := tlog.TileHashReader(tree, tileReader{src})
	th, err := tlog.TreeHash(tree.N, hr)
	if err != nil {
		fail("tree hash: size %d from the tiles: %v", tree.N, err)
	} else if th != tree.Hash {
		fail("tree hash: the tiles give root %v at size %d, the checkpoint says %v", th, tree.N, tree.Hash)
	} else {
		ok("tree hash: the tiles give the checkpoint's root %v at size %d", th, tree.N)
	}

	idx, _ := parseEntries(*entries, tree.N)
	for _, i := range idx {
		if i >= tree.N {
			fail("inclusion: entry %d: beyond size %d", i, tree.N)
			continue
		}
		checkInclusion(src, hr, tree, i)
	}

	for _, f := range olds {
		old, err := readCheckpoint(f, nil)
		if err != nil {
			fail("consistency: %s: %v", f, err)
			continue
		}
		checkSignature(old, v)
		if old.origin != cp.origin {
			fail("consistency: %s is of origin %q, not %q", f, old.origin, cp.origin)
			continue
		}
		checkConsistency(hr, cp, old)
	}

	if failed {
		os.Exit(1)
	}
}
