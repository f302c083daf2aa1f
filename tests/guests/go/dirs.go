// Go guest "dirs": directories, links and metadata through package os under the first
// preopen: mkdir/MkdirAll, readdir (sorted, and in small batches), rename and remove with
// their error paths, symlink/readlink/link, trailing slashes, `..` and escaping symlinks
// (raw openat on the preopen fd), stat/lstat/fstat relations, Chtimes and raw set_times
// flags, filepath.WalkDir and os.Root. One line per check.
//
// argv[1] selects a check group: "dirs" holds every check that matches Wasmtime exactly;
// "dirs-escape" (README rule escape-errno: a path leaving the grant is ENOTCAPABLE, not
// EPERM) and "dirs-trailing-slash" (rule trailing-slash: POSIX resolution of a trailing
// slash) hold the checks where aotc deliberately differs.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func listDir(p string) string {
	ents, err := os.ReadDir(p)
	if err != nil {
		return res(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name()+":"+kind(e.Type()))
	}
	return strings.Join(names, " ")
}

func statLine(p string, follow bool) string {
	var fi fs.FileInfo
	var err error
	if follow {
		fi, err = os.Stat(p)
	} else {
		fi, err = os.Lstat(p)
	}
	if err != nil {
		return res(err)
	}
	s := kind(fi.Mode())
	if !fi.IsDir() {
		s += " size=" + itoa(fi.Size())
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().IsRegular() {
		s += " nlink=" + itoa(int64(st.Nlink))
	}
	s += " mtime==1e9:" + yes(fi.ModTime().Unix() == 1000000000)
	return s
}

func itoa(n int64) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func main() {
	group := ""
	if len(os.Args) > 1 {
		group = os.Args[1]
	}
	switch group {
	case "dirs":
		dirs()
	case "dirs-escape":
		dirsEscape()
	case "dirs-trailing-slash":
		dirsTrailingSlash()
	default:
		fmt.Fprintln(os.Stderr, "usage: dirs dirs|dirs-escape|dirs-trailing-slash")
		os.Exit(64)
	}
}

// openatLine opens p relative to the preopen fd 3 with a raw openat (Go would clean the
// path first), closes it again and renders the result.
func openatLine(p string) string {
	fd, err := syscall.Openat(3, p, syscall.O_RDONLY, 0)
	if err == nil {
		syscall.Close(fd)
	}
	return fmt.Sprintf("openat(3, %q): %s", p, res(err))
}

// dirsEscape: paths that leave the grant, by `..`, an absolute path or a symlink pointing
// outside (the fixture's `escape`, and `ln-out` made here), are refused: aotc ENOTCAPABLE,
// Wasmtime EPERM. The symlink made here and the lstat of `escape` agree.
func dirsEscape() {
	say("mkdir through escape dir: %s", res(os.Mkdir("escape/x", 0o755)))
	say("symlink absolute target: %s", res(os.Symlink("/etc/passwd", "ln-abs")))
	say("symlink dotdot target: %s", res(os.Symlink("../outside.txt", "ln-out")))
	say("stat escape: %s", statLine("escape", true))
	say("lstat escape: %s", statLine("escape", false))
	for _, p := range []string{"../outside.txt", "sub/../../outside.txt", "/hello.txt", "escape", "ln-out"} {
		say("%s", openatLine(p))
	}
}

// dirsTrailingSlash: path_remove_directory of "a/b/c/" removes c under aotc (Wasmtime:
// EINVAL, c stays); path_filestat_get without follow of "link-hello/" (a symlink to a
// file) and "hello.txt/" is ENOTDIR under aotc (Wasmtime describes the symlink, the file).
func dirsTrailingSlash() {
	say("mkdirall a/b/c: %s", res(os.MkdirAll("a/b/c", 0o755)))
	say("rmdir trailing slash: %s", res(syscall.Rmdir("a/b/c/")))
	say("a/b/c after: %s", statLine("a/b/c", false))
	say("removeall a: %s", res(os.RemoveAll("a")))
	say("lstat link-hello/: %s", statLine("link-hello/", false))
	say("lstat hello.txt/: %s", statLine("hello.txt/", false))
}

func dirs() {
	say("readdir .: %s", listDir("."))
	say("readdir sub: %s", listDir("sub"))
	say("readdir link-sub: %s", listDir("link-sub"))
	say("readdir sub/deeper: %s", listDir("sub/deeper"))
	say("readdir hello.txt: %s", listDir("hello.txt"))
	say("readdir missing: %s", listDir("missing"))
	// readdir in batches of 2 (cookies)
	if d, err := os.Open("."); err == nil {
		var all []string
		for i := 0; i < 10; i++ {
			ents, err := d.ReadDir(2)
			for _, e := range ents {
				all = append(all, e.Name())
			}
			if err != nil {
				say("batched readdir ends: %s after %d entries", res(err), len(all))
				break
			}
		}
		sort.Strings(all)
		say("batched names: %s", strings.Join(all, " "))
		d.Close()
	}
	// mkdir
	say("mkdir d1: %s", res(os.Mkdir("d1", 0o755)))
	say("mkdir d1 again: %s", res(os.Mkdir("d1", 0o755)))
	say("mkdir over file: %s", res(os.Mkdir("hello.txt", 0o755)))
	say("mkdir over symlink: %s", res(os.Mkdir("link-sub", 0o755)))
	say("mkdir over dangling: %s", res(os.Mkdir("dangling", 0o755)))
	say("mkdir missing parent: %s", res(os.Mkdir("nope/x", 0o755)))
	say("mkdir under file: %s", res(os.Mkdir("hello.txt/x", 0o755)))
	say("mkdir trailing slash: %s", res(os.Mkdir("d2/", 0o755)))
	say("mkdir via link-sub: %s", res(os.Mkdir("link-sub/made", 0o755)))
	// (mkdir through escape: group dirs-escape)
	say("mkdirall a/b/c: %s", res(os.MkdirAll("a/b/c", 0o755)))
	say("mkdirall again: %s", res(os.MkdirAll("a/b/c", 0o755)))
	say("mkdirall over file: %s", res(os.MkdirAll("hello.txt/q", 0o755)))
	say("mkdir mode: %s", statLine("d1", false))
	// rename
	os.WriteFile("r1.txt", []byte("one\n"), 0o644)
	os.WriteFile("r2.txt", []byte("two\n"), 0o644)
	say("rename file: %s", res(os.Rename("r1.txt", "r3.txt")))
	say("rename over existing file: %s", res(os.Rename("r3.txt", "r2.txt")))
	say("r2 now: %s", readOrErr("r2.txt"))
	say("rename missing: %s", res(os.Rename("r1.txt", "r4.txt")))
	say("rename file over dir: %s", res(os.Rename("r2.txt", "d1")))
	say("rename dir over file: %s", res(os.Rename("d2", "r2.txt")))
	say("rename dir over empty dir: %s", res(os.Rename("d2", "d1")))
	say("rename dir over non-empty dir: %s", res(os.Rename("d1", "a")))
	say("rename dir into itself: %s", res(os.Rename("a", "a/b/inside")))
	say("rename into missing dir: %s", res(os.Rename("r2.txt", "nope/r2.txt")))
	say("rename file trailing slash: %s", res(os.Rename("r2.txt/", "r5.txt")))
	say("rename dir trailing slash: %s", res(os.Rename("d1/", "d3/")))
	say("rename symlink: %s", res(os.Rename("link-hello", "link-hello2")))
	say("lstat renamed symlink: %s", statLine("link-hello2", false))
	say("rename same name: %s", res(os.Rename("r2.txt", "r2.txt")))
	// remove
	say("remove file: %s", res(os.Remove("r2.txt")))
	say("remove missing: %s", res(os.Remove("r2.txt")))
	say("remove non-empty dir: %s", res(os.Remove("a")))
	say("remove empty dir: %s", res(os.Remove("d3")))
	say("unlink dir: %s", res(syscall.Unlink("sub/deeper")))
	say("rmdir file: %s", res(syscall.Rmdir("empty.txt")))
	say("rmdir symlink to dir: %s", res(syscall.Rmdir("link-sub")))
	// (rmdir of "a/b/c/": group dirs-trailing-slash)
	say("unlink trailing slash file: %s", res(syscall.Unlink("empty.txt/")))
	say("rmdir .: %s", res(syscall.Rmdir(".")))
	say("removeall a: %s", res(os.RemoveAll("a")))
	say("removeall missing: %s", res(os.RemoveAll("a")))
	os.MkdirAll("t/u/v", 0o755)
	os.WriteFile("t/u/v/w.txt", []byte("w"), 0o644)
	os.Symlink("../../hello.txt", "t/u/ln")
	say("removeall tree: %s", res(os.RemoveAll("t")))
	// symlinks
	say("symlink new: %s", res(os.Symlink("digits.txt", "ln-digits")))
	say("read ln-digits: %s", readOrErr("ln-digits"))
	say("symlink over existing: %s", res(os.Symlink("x", "hello.txt")))
	say("symlink dangling ok: %s", res(os.Symlink("nowhere/at/all", "ln-nowhere")))
	// (symlink with an absolute target: group dirs-escape)
	say("symlink dotdot target: %s", res(os.Symlink("../outside.txt", "ln-out")))
	say("symlink trailing slash: %s", res(os.Symlink("sub", "ln-sub2/")))
	for _, p := range []string{"ln-digits", "ln-nowhere", "ln-abs", "ln-out", "escape", "dangling", "link-sub", "hello.txt", "missing"} {
		t, err := os.Readlink(p)
		if err != nil {
			say("readlink %s: %s", p, res(err))
		} else {
			say("readlink %s: %q", p, t)
		}
	}
	say("remove symlink to dir: %s", res(os.Remove("link-sub")))
	say("sub still there: %s", statLine("sub", false))
	// hard links
	say("link: %s", res(os.Link("digits.txt", "digits-hard")))
	say("stat digits after link: %s", statLine("digits.txt", true))
	say("link over existing: %s", res(os.Link("digits.txt", "empty.txt")))
	say("link dir: %s", res(os.Link("sub", "sub-hard")))
	say("link missing: %s", res(os.Link("missing", "m2")))
	say("link to symlink: %s", res(os.Link("ln-digits", "ln-hard")))
	say("lstat ln-hard: %s", statLine("ln-hard", false))
	// stat / lstat (lstat of "link-hello2/" and "hello.txt/": group dirs-trailing-slash;
	// stat of "escape": group dirs-escape)
	noStat := map[string]bool{"escape": true}
	noLstat := map[string]bool{"link-hello2/": true, "hello.txt/": true}
	for _, p := range []string{".", "hello.txt", "empty.txt", "sub", "sub/", "sub/.", "sub/..", "link-hello2", "link-hello2/", "hello.txt/", "dangling", "escape", "sub/nested.txt/..", "missing", "sub/../sub/nested.txt"} {
		if !noStat[p] {
			say("stat %s: %s", p, statLine(p, true))
		}
		if !noLstat[p] {
			say("lstat %s: %s", p, statLine(p, false))
		}
	}
	// raw openat with .. relative to the preopen fd (Go would clean these); the escaping
	// ones ("../outside.txt", "/hello.txt", "escape", "ln-out"...) are in group dirs-escape
	for _, p := range []string{"sub/../hello.txt", "sub/deeper/../../digits.txt", "link-sub2/../hello.txt", "ln-abs", "."} {
		say("%s", openatLine(p))
	}
	// times
	f, _ := os.Open("hello.txt")
	fi, _ := f.Stat()
	say("fstat hello: size=%d mtime==1e9:%s", fi.Size(), yes(fi.ModTime().Unix() == 1e9))
	f.Close()
	at := time.Unix(1234567890, 123456789)
	mt := time.Unix(1300000000, 5)
	say("chtimes: %s", res(os.Chtimes("hello.txt", at, mt)))
	st := func(p string) string {
		var s syscall.Stat_t
		if err := syscall.Stat(p, &s); err != nil {
			return res(err)
		}
		return "atime=" + itoa(int64(s.Atime)) + " mtime=" + itoa(int64(s.Mtime))
	}
	say("after chtimes: %s", st("hello.txt"))
	say("chtimes keep atime: %s", res(os.Chtimes("hello.txt", time.Time{}, time.Unix(1400000000, 0))))
	say("after omit: %s", st("hello.txt"))
	say("chtimes missing: %s", res(os.Chtimes("missing", at, mt)))
	say("chtimes via symlink: %s", res(os.Chtimes("link-hello2", at, at)))
	say("after symlink chtimes: %s", st("hello.txt"))
	p, n := pathPtr("digits.txt")
	var before syscall.Stat_t
	syscall.Stat("digits.txt", &before)
	say("raw set_times mtim_now: %s", errstr(wasiPathFilestatSetTimes(3, 1, p, n, 0, 0, 8)))
	var s syscall.Stat_t
	syscall.Stat("digits.txt", &s)
	now := time.Now().UnixNano()
	say("mtime_now within 60s of realtime: %s", yes(now-int64(s.Mtime) < 60e9 && now-int64(s.Mtime) > -60e9))
	say("atime untouched: %s", yes(s.Atime == before.Atime))
	say("raw set_times atim+atim_now: %s", errstr(wasiPathFilestatSetTimes(3, 1, p, n, 5, 0, 3)))
	say("raw set_times nofollow on symlink: %s", errstr(func() uint32 {
		q, m := pathPtr("dangling")
		return wasiPathFilestatSetTimes(3, 0, q, m, 7e9, 8e9, 5)
	}()))
	say("lstat dangling after nofollow set_times: %s", func() string {
		var s syscall.Stat_t
		if err := syscall.Lstat("dangling", &s); err != nil {
			return res(err)
		}
		return "atime=" + itoa(int64(s.Atime)) + " mtime=" + itoa(int64(s.Mtime))
	}())
	if f, err := os.OpenFile("empty.txt", os.O_RDWR, 0); err == nil {
		say("raw fd set_times: %s", errstr(wasiFdFilestatSetTimes(int32(f.Fd()), 11e9, 22e9, 5)))
		f.Close()
		say("after fd set_times: %s", st("empty.txt"))
	}
	// WalkDir
	var walked []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			walked = append(walked, path+"!"+res(err))
			return nil
		}
		walked = append(walked, path+":"+kind(d.Type()))
		return nil
	})
	say("walkdir: %s", res(err))
	for _, w := range walked {
		say("  %s", w)
	}
	// os.Root confines lookups in Go itself, on top of WASI
	root, err := os.OpenRoot("sub")
	say("openroot sub: %s", res(err))
	if err == nil {
		say("root read nested: %s", func() string {
			f, err := root.Open("nested.txt")
			if err != nil {
				return res(err)
			}
			defer f.Close()
			b := make([]byte, 64)
			n, _ := f.Read(b)
			return string(b[:n])
		}())
		_, err = root.Open("../hello.txt")
		say("root open ../hello.txt: %s", res(err))
		say("root mkdir: %s", res(root.Mkdir("rootmade", 0o755)))
		_, err = root.Stat("deeper")
		say("root stat deeper: %s", res(err))
		root.Close()
	}
	_ = unsafe.Pointer(nil)
	say("rename onto escape symlink: %s", res(os.Rename("digits-hard", "escape")))
	say("lstat escape: %s", statLine("escape", false))
	say("final readdir .: %s", listDir("."))
}
