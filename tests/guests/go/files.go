// Go guest "files": regular-file I/O through package os under the first preopen (relative
// paths): create, write, read, append, truncate, O_EXCL, seek/tell, pread/pwrite, sync,
// symlinked and missing files, and the errors of misuse (wrong access mode, directories,
// trailing slashes, dangling symlinks). One line per check.
//
// argv[1] selects a check group: "files" holds every check that matches Wasmtime exactly;
// "files-rights" (README rule rights: the wrong access mode is ENOTCAPABLE, not EBADF) and
// "files-escape" (rule escape-errno: a symlink out of the grant is ENOTCAPABLE, not EPERM)
// hold the checks where aotc deliberately differs.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"syscall"
)

func main() {
	group := ""
	if len(os.Args) > 1 {
		group = os.Args[1]
	}
	switch group {
	case "files":
		files()
	case "files-rights":
		filesRights()
	case "files-escape":
		filesEscape()
	default:
		fmt.Fprintln(os.Stderr, "usage: files files|files-rights|files-escape")
		os.Exit(64)
	}
}

// filesRights: reading a write-only fd and writing a read-only one lack the fd's
// FD_READ / FD_WRITE right (aotc ENOTCAPABLE; Wasmtime EBADF).
func filesRights() {
	say("write new.txt: %s", res(os.WriteFile("new.txt", []byte("abc\n"), 0o644)))
	f, err := os.OpenFile("new.txt", os.O_WRONLY|os.O_APPEND, 0)
	say("open append: %s", res(err))
	if err == nil {
		buf := make([]byte, 4)
		n, err := f.Read(buf)
		say("read on write-only file: n=%d %s", n, res(err))
		f.Close()
	}
	f, err = os.Open("hello.txt")
	say("open hello read-only: %s", res(err))
	if err == nil {
		n, err := f.Write([]byte("nope"))
		say("write on read-only file: n=%d %s", n, res(err))
		f.Close()
	}
	say("hello unchanged: %s", readOrErr("hello.txt"))
}

// filesEscape: opening through the fixture's `escape` symlink (-> ../outside.txt) leaves
// the grant (aotc ENOTCAPABLE; Wasmtime EPERM).
func filesEscape() {
	say("read escape: %s", readOrErr("escape"))
	_, err := os.OpenFile("escape", os.O_WRONLY|os.O_CREATE, 0o644)
	say("create through escape: %s", res(err))
}

func files() {
	// create, write, read
	say("write new.txt: %s", res(os.WriteFile("new.txt", []byte("abc\n"), 0o644)))
	say("read new.txt: %s", readOrErr("new.txt"))
	// append
	f, err := os.OpenFile("new.txt", os.O_WRONLY|os.O_APPEND, 0)
	say("open append: %s", res(err))
	if err == nil {
		n, err := f.WriteString("def\n")
		say("append write: n=%d %s", n, res(err))
		off, err := f.Seek(0, io.SeekCurrent)
		say("append offset after write: %d %s", off, res(err))
		_, err = f.Seek(0, io.SeekStart)
		say("append seek start: %s", res(err))
		n, err = f.WriteString("ghi\n")
		say("append write after seek: n=%d %s", n, res(err))
		n, err = f.WriteAt([]byte("X"), 0)
		say("WriteAt on append file: n=%d %s", n, res(err))
		// (reading this write-only fd: group files-rights)
		say("close: %s", res(f.Close()))
		say("close again: %s", res(f.Close()))
	}
	say("read after append: %s", readOrErr("new.txt"))
	// O_TRUNC
	f, err = os.OpenFile("new.txt", os.O_WRONLY|os.O_TRUNC, 0)
	say("open trunc: %s", res(err))
	if err == nil {
		fi, err := f.Stat()
		if err == nil {
			say("size after O_TRUNC: %d", fi.Size())
		} else {
			say("fstat: %s", res(err))
		}
		f.Close()
	}
	// O_EXCL
	_, err = os.OpenFile("new.txt", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	say("O_EXCL on existing: %s", res(err))
	f, err = os.OpenFile("excl.txt", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	say("O_EXCL on new: %s", res(err))
	if err == nil {
		f.WriteString("x")
		f.Close()
	}
	// missing files
	_, err = os.Open("missing.txt")
	say("open missing: %s", res(err))
	_, err = os.Open("no-dir/missing.txt")
	say("open missing dir: %s", res(err))
	_, err = os.OpenFile("no-dir/new.txt", os.O_WRONLY|os.O_CREATE, 0o644)
	say("create in missing dir: %s", res(err))
	// read-only misuse
	f, err = os.Open("hello.txt")
	say("open hello read-only: %s", res(err))
	if err == nil {
		// (writing this read-only fd: group files-rights)
		say("truncate read-only file: %s", res(f.Truncate(0)))
		f.Close()
	}
	say("hello unchanged: %s", readOrErr("hello.txt"))
	// seek / tell / read positions
	f, err = os.Open("digits.txt")
	say("open digits: %s", res(err))
	if err == nil {
		buf := make([]byte, 5)
		off, err := f.Seek(10, io.SeekStart)
		say("seek 10 start: %d %s", off, res(err))
		n, err := f.Read(buf)
		say("read 5: %q %s", buf[:n], res(err))
		off, err = f.Seek(0, io.SeekCurrent)
		say("tell: %d %s", off, res(err))
		var tell uint64
		say("raw fd_tell: %s %d", errstr(wasiFdTell(int32(f.Fd()), unsafe_ptr(&tell))), tell)
		off, err = f.Seek(-3, io.SeekEnd)
		say("seek -3 end: %d %s", off, res(err))
		n, err = f.Read(buf)
		say("read tail: %q %s", buf[:n], res(err))
		n, err = f.Read(buf)
		say("read at eof: n=%d %s", n, res(err))
		off, err = f.Seek(-100, io.SeekStart)
		say("seek negative: %d %s", off, res(err))
		off, err = f.Seek(0, io.SeekCurrent)
		say("tell after failed seek: %d %s", off, res(err))
		off, err = f.Seek(1000, io.SeekStart)
		say("seek past end: %d %s", off, res(err))
		n, err = f.Read(buf)
		say("read past end: n=%d %s", n, res(err))
		n, err = f.ReadAt(buf, 30)
		say("pread 30: %q %s", buf[:n], res(err))
		n, err = f.ReadAt(buf, 35)
		say("pread 35 (short): %q %s", buf[:n], res(err))
		f.Close()
	}
	// read-write file: pwrite, holes, truncate
	f, err = os.OpenFile("rw.bin", os.O_RDWR|os.O_CREATE, 0o644)
	say("create rw: %s", res(err))
	if err == nil {
		n, err := f.WriteAt([]byte("WORLD"), 6)
		say("pwrite 6: n=%d %s", n, res(err))
		off, _ := f.Seek(0, io.SeekCurrent)
		say("offset after pwrite: %d", off)
		n, err = f.Write([]byte("hello "))
		say("write at 0: n=%d %s", n, res(err))
		off, err = f.Seek(20, io.SeekStart)
		say("seek 20: %d %s", off, res(err))
		n, err = f.Write([]byte("!"))
		say("write after hole: n=%d %s", n, res(err))
		fi, _ := f.Stat()
		say("size with hole: %d", fi.Size())
		all := make([]byte, 32)
		n, err = f.ReadAt(all, 0)
		say("content: %q %s", all[:n], res(err))
		say("truncate 8: %s", res(f.Truncate(8)))
		fi, _ = f.Stat()
		say("size after truncate: %d", fi.Size())
		off, _ = f.Seek(0, io.SeekCurrent)
		say("offset kept after truncate: %d", off)
		say("truncate grow 12: %s", res(f.Truncate(12)))
		n, err = f.ReadAt(all, 0)
		say("content after grow: %q %s", all[:n], res(err))
		say("truncate negative: %s", res(f.Truncate(-1)))
		say("sync: %s", res(f.Sync()))
		say("raw datasync: %s", errstr(wasiFdDatasync(int32(f.Fd()))))
		say("raw advise: %s", errstr(wasiFdAdvise(int32(f.Fd()), 0, 4, 2)))
		f.Close()
	}
	say("os.Truncate grow 100: %s", res(os.Truncate("excl.txt", 100)))
	if fi, err := os.Stat("excl.txt"); err == nil {
		say("excl size: %d", fi.Size())
	}
	say("os.Truncate shrink 1: %s", res(os.Truncate("excl.txt", 1)))
	say("excl content: %s", readOrErr("excl.txt"))
	say("os.Truncate missing: %s", res(os.Truncate("missing.txt", 1)))
	say("os.Truncate dir: %s", res(os.Truncate("sub", 1)))
	// a big file, written and read back
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	say("write big: %s", res(os.WriteFile("big.bin", big, 0o644)))
	back, err := os.ReadFile("big.bin")
	say("read big: len=%d equal=%s %s", len(back), yes(bytes.Equal(back, big)), res(err))
	say("remove big: %s", res(os.Remove("big.bin")))
	// symlinks and directories as files
	say("read via link-hello: %s", readOrErr("link-hello"))
	say("read via link-sub/nested.txt: %s", readOrErr("link-sub/nested.txt"))
	say("read dangling: %s", readOrErr("dangling"))
	// (reading or creating through `escape`: group files-escape)
	say("read hello.txt/: %s", readOrErr("hello.txt/"))
	say("read dir sub: %s", readOrErr("sub"))
	_, err = os.OpenFile("sub", os.O_WRONLY, 0)
	say("open dir write-only: %s", res(err))
	_, err = os.OpenFile("sub", os.O_RDWR, 0)
	say("open dir read-write: %s", res(err))
	_, err = os.OpenFile("hello.txt", os.O_RDONLY|syscall.O_DIRECTORY, 0)
	say("open file O_DIRECTORY: %s", res(err))
	_, err = os.OpenFile("newdir-by-create/", os.O_WRONLY|os.O_CREATE, 0o644)
	say("create with trailing slash: %s", res(err))
	_, err = os.OpenFile("dangling", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	say("O_EXCL on dangling symlink: %s", res(err))
	f, err = os.OpenFile("dangling", os.O_WRONLY|os.O_CREATE, 0o644)
	say("create through dangling symlink: %s", res(err))
	if err == nil {
		f.Close()
	}
	_, err = os.Stat("no-such-file")
	say("dangling target exists now: %s", res(err))
	// O_WRONLY|O_CREATE|O_TRUNC on a symlink to a file truncates the target
	f, err = os.OpenFile("link-hello", os.O_WRONLY|os.O_TRUNC, 0)
	say("open link-hello trunc: %s", res(err))
	if err == nil {
		f.WriteString("rewritten\n")
		f.Close()
	}
	say("hello after write via link: %s", readOrErr("hello.txt"))
	// write empty, read empty
	say("read empty: %s", readOrErr("empty.txt"))
	f, err = os.OpenFile("empty.txt", os.O_WRONLY, 0)
	if err == nil {
		n, err := f.Write(nil)
		say("zero-length write: n=%d %s", n, res(err))
		f.Close()
	}
}
