// Go guest "paths": how Go's wasip1 port maps preopens into its file namespace. Lists the
// preopens (raw fd_prestat_get / fd_prestat_dir_name), the working directory Go derives
// (from $PWD or the first preopen), then reads the same file through relative, absolute,
// preopen-prefixed and `..` paths, and writes a file named after argv[1] via each spelling.
package main

import (
	"fmt"
	"os"
	"unsafe"
)

func main() {
	for fd := int32(3); fd < 16; fd++ {
		var pre [8]byte
		e := wasiPrestatGet(fd, unsafe.Pointer(&pre))
		if e != 0 {
			say("prestat fd %d: %s", fd, errstr(e))
			break
		}
		n := *(*uint32)(unsafe.Pointer(&pre[4]))
		name := make([]byte, n+1)
		e = wasiPrestatDirName(fd, unsafe.Pointer(&name[0]), n)
		say("preopen fd %d: tag=%d name=%q %s", fd, pre[0], name[:n], errstr(e))
		var small [1]byte
		if n > 1 {
			say("  dir_name short buffer: %s", errstr(wasiPrestatDirName(fd, unsafe.Pointer(&small[0]), 1)))
		}
	}
	wd, err := os.Getwd()
	say("getwd: %q %s", wd, res(err))
	tag := "x"
	if len(os.Args) > 1 {
		tag = os.Args[1]
	}
	paths := []string{"hello.txt", "./hello.txt", "sandbox/hello.txt", "/sandbox/hello.txt",
		"/hello.txt", "/", ".", "sub/../hello.txt", "../hello.txt", "../sandbox/hello.txt",
		"/sandbox/sub/../hello.txt", "/../sandbox/hello.txt", "data/hello.txt", "/data/hello.txt"}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			say("stat %q: %s", p, res(err))
		} else {
			say("stat %q: %s size=%d", p, kind(fi.Mode()), fi.Size())
		}
	}
	for i, p := range []string{"", "./", "sandbox/", "/sandbox/", "/", "data/", "/data/"} {
		name := fmt.Sprintf("%smade-%s-%d.txt", p, tag, i)
		say("write %q: %s", name, res(os.WriteFile(name, []byte(name+"\n"), 0o644)))
	}
	say("chdir sub: %s", res(os.Chdir("sub")))
	wd, err = os.Getwd()
	say("getwd: %q %s", wd, res(err))
	say("read nested.txt: %s", readOrErr("nested.txt"))
	say("read ../hello.txt: %s", readOrErr("../hello.txt"))
	say("chdir hello.txt: %s", res(os.Chdir("../hello.txt")))
	say("chdir missing: %s", res(os.Chdir("/nowhere")))
	wd, err = os.Getwd()
	say("getwd: %q %s", wd, res(err))
}
