// SPDX-License-Identifier: MIT

package main

import (
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// The adapter's paths for indexes only a log of millions of entries reaches:
// the x/mod path and the C2SP path of the same tile, as the tlog-tiles spec
// writes them.
func TestC2SPPath(t *testing.T) {
	for _, c := range []struct {
		tile tlog.Tile
		want string
	}{
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 0, N: 273, W: 112}, "tile/0/273.p/112"},
		{tlog.Tile{H: 8, L: 1, N: 1, W: 17}, "tile/1/001.p/17"},
		{tlog.Tile{H: 8, L: 0, N: 1234067, W: 256}, "tile/0/x001/x234/067"},
		{tlog.Tile{H: 8, L: 3, N: 1000, W: 1}, "tile/3/x001/000.p/1"},
		{tlog.Tile{H: 8, L: -1, N: 0, W: 256}, "tile/entries/000"},
		{tlog.Tile{H: 8, L: -1, N: 1234067, W: 5}, "tile/entries/x001/x234/067.p/5"},
	} {
		got, err := c2spPath(c.tile)
		if err != nil || got != c.want {
			t.Errorf("c2spPath(%s) = %q, %v; want %q", c.tile.Path(), got, err, c.want)
		}
	}
	if _, err := c2spPath(tlog.Tile{H: 4, L: 0, N: 0, W: 16}); err == nil {
		t.Errorf("c2spPath of a height-4 tile: no error")
	}
}

// A checkpoint's text is parsed strictly: a size with a leading zero or a
// root that is not 32 bytes is not a checkpoint.
func TestParseCheckpoint(t *testing.T) {
	root := "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	good := "o.example/log\n12\n" + root + "\n\n— o.example/log AAAAAA==\n"
	c, err := parseCheckpoint("t", []byte(good))
	if err != nil || c.origin != "o.example/log" || c.tree.N != 12 || len(c.sigs) != 1 {
		t.Fatalf("parseCheckpoint(good) = %+v, %v", c, err)
	}
	for _, bad := range []string{
		"o.example/log\n012\n" + root + "\n\n— o AAAAAA==\n",
		"o.example/log\n12\nAAAA\n\n— o AAAAAA==\n",
		"o.example/log\n12\n" + root + "\n— o AAAAAA==\n",
		"\n12\n" + root + "\n\n— o AAAAAA==\n",
		"o.example/log\n-1\n" + root + "\n\n— o AAAAAA==\n",
	} {
		if _, err := parseCheckpoint("t", []byte(bad)); err == nil {
			t.Errorf("parseCheckpoint(%q): no error", bad)
		}
	}
}
