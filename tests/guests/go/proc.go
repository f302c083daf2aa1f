// Go guest "proc": the process side of WASI through Go's wasip1 runtime, one mode per
// argv[1]: args/environ, exit codes, panic (status 2), stdin -> stdout, clocks (monotonic,
// realtime, raw clock_res_get), sleeps/timers/tickers (poll_oneoff, also raw), fd flags and
// rights of stdio and files (fdstat, append/nonblock, SetNonblock, set_rights, renumber),
// random_get and sched_yield.
//
// The modes clocks-cputime (README rule cputime-clocks), sleep-poll-badfd (rule
// poll-events), fdflags-rights (rule rights) and fdflags-allocate (rule fd-allocate) hold
// the checks where aotc deliberately differs from Wasmtime; the other modes must match it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "args":
		say("argc: %d", len(os.Args))
		for i, a := range os.Args {
			say("argv[%d]: %q", i, a)
		}
		env := os.Environ()
		sort.Strings(env)
		say("environ count: %d", len(env))
		for _, e := range env {
			say("env: %q", e)
		}
		v, ok := os.LookupEnv("GREETING")
		say("lookup GREETING: %q %s", v, yes(ok))
		v, ok = os.LookupEnv("NOT_SET_ANYWHERE")
		say("lookup NOT_SET_ANYWHERE: %q %s", v, yes(ok))
		say("expand: %q", os.ExpandEnv("${GREETING}-${EMPTY}-$MISSING"))
	case "exit":
		code := 0
		if len(os.Args) > 2 {
			fmt.Sscan(os.Args[2], &code)
		}
		fmt.Println("exiting with", code)
		fmt.Fprintln(os.Stderr, "stderr before exit")
		os.Exit(code)
	case "panic":
		fmt.Println("about to panic")
		panic("boom from the go guest")
	case "stdin":
		sc := bufio.NewScanner(os.Stdin)
		n, bytes := 0, 0
		for sc.Scan() {
			n++
			bytes += len(sc.Bytes())
			fmt.Printf("%d: %s\n", n, strings.ToUpper(sc.Text()))
		}
		say("lines=%d bytes=%d err=%s", n, bytes, res(sc.Err()))
		b := make([]byte, 8)
		k, err := os.Stdin.Read(b)
		say("read after eof: n=%d %s", k, res(err))
		w := bufio.NewWriter(os.Stdout)
		for i := 0; i < 5000; i++ {
			fmt.Fprintf(w, "bulk line %04d %s\n", i, strings.Repeat("x", 40))
		}
		w.Flush()
		fmt.Fprintln(os.Stderr, "stderr line")
	case "clocks":
		clocks()
	case "clocks-cputime":
		clocksCputime()
	case "sleep":
		sleeps()
	case "sleep-poll-badfd":
		sleepPollBadfd()
	case "fdflags":
		fdflags()
	case "fdflags-rights":
		fdflagsRights()
	case "fdflags-allocate":
		fdflagsAllocate()
	default:
		fmt.Fprintln(os.Stderr, "usage: proc args|exit N|panic|stdin|clocks|clocks-cputime|sleep|sleep-poll-badfd|fdflags|fdflags-rights|fdflags-allocate")
		os.Exit(64)
	}
}

func clocks() {
	t0 := time.Now()
	say("realtime after 2020: %s", yes(t0.Year() >= 2020))
	say("realtime before 2200: %s", yes(t0.Year() < 2200))
	prev := time.Now()
	mono := true
	for i := 0; i < 10000; i++ {
		t := time.Now()
		if t.Before(prev) {
			mono = false
		}
		prev = t
	}
	say("monotonic nondecreasing: %s", yes(mono))
	say("since >= 0: %s", yes(time.Since(t0) >= 0))
	// (an unknown clock id is left out: Wasmtime traps on it instead of returning EINVAL;
	// the CPU-time clocks 2 and 3 are in mode clocks-cputime)
	say("%s", clockLine(0, "realtime"))
	say("%s", clockLine(1, "monotonic"))
	var a, b uint64
	wasiClockTimeGet(1, 0, unsafe.Pointer(&a))
	wasiClockTimeGet(1, 0, unsafe.Pointer(&b))
	say("raw monotonic nondecreasing: %s", yes(b >= a))
	var rt uint64
	wasiClockTimeGet(0, 0, unsafe.Pointer(&rt))
	say("raw realtime near time.Now: %s", yes(int64(rt)-time.Now().UnixNano() < 5e9 && time.Now().UnixNano()-int64(rt) < 5e9))
}

// clockLine renders raw clock_res_get and clock_time_get of one clock id.
func clockLine(id uint32, name string) string {
	var r, t uint64
	e := wasiClockResGet(id, unsafe.Pointer(&r))
	line := fmt.Sprintf("clock %s: res %s", name, errstr(e))
	if e == 0 {
		line += fmt.Sprintf(" (0 < res <= 1ms: %s)", yes(r > 0 && r <= 1e6))
	}
	e = wasiClockTimeGet(id, 1, unsafe.Pointer(&t))
	line += " time " + errstr(e)
	if e == 0 {
		line += fmt.Sprintf(" (nonzero: %s)", yes(t > 0))
	}
	return line
}

// clocksCputime: the process and thread CPU-time clocks answer under aotc (Wasmtime: EBADF).
func clocksCputime() {
	say("%s", clockLine(2, "process_cputime"))
	say("%s", clockLine(3, "thread_cputime"))
}

// subscription / event layouts of poll_oneoff (48 and 32 bytes).
type subClock struct {
	userdata  uint64
	tag       uint8
	_         [7]byte
	id        uint32
	_         uint32
	timeout   uint64
	precision uint64
	flags     uint16
	_         [6]byte
}

type subFd struct {
	userdata uint64
	tag      uint8
	_        [7]byte
	fd       uint32
	_        [28]byte
}

type event struct {
	userdata uint64
	errno    uint16
	typ      uint8
	_        [5]byte
	nbytes   uint64
	flags    uint16
	_        [6]byte
}

func sleeps() {
	t0 := time.Now()
	time.Sleep(30 * time.Millisecond)
	say("sleep 30ms elapsed >= 30ms: %s", yes(time.Since(t0) >= 30*time.Millisecond))
	t0 = time.Now()
	<-time.After(20 * time.Millisecond)
	say("time.After 20ms elapsed >= 20ms: %s", yes(time.Since(t0) >= 20*time.Millisecond))
	tk := time.NewTicker(10 * time.Millisecond)
	t0 = time.Now()
	for i := 0; i < 3; i++ {
		<-tk.C
	}
	tk.Stop()
	say("3 ticks of 10ms elapsed >= 30ms: %s", yes(time.Since(t0) >= 30*time.Millisecond))
	done := make(chan string)
	go func() {
		time.Sleep(15 * time.Millisecond)
		done <- "goroutine woke"
	}()
	select {
	case s := <-done:
		say("select: %s", s)
	case <-time.After(5 * time.Second):
		say("select: timeout (wrong)")
	}
	tm := time.NewTimer(time.Hour)
	say("timer stop before firing: %s", yes(tm.Stop()))
	// raw poll_oneoff: a relative monotonic clock of 10ms
	var sub subClock
	sub.userdata = 42
	sub.tag = 0
	sub.id = 1
	sub.timeout = 10e6
	var ev [2]event
	var n uint32
	t0 = time.Now()
	e := wasiPollOneoff(unsafe.Pointer(&sub), unsafe.Pointer(&ev[0]), 1, unsafe.Pointer(&n))
	say("raw poll 10ms: %s n=%d userdata=%d errno=%d type=%d elapsed>=10ms:%s", errstr(e), n, ev[0].userdata, ev[0].errno, ev[0].typ, yes(time.Since(t0) >= 10*time.Millisecond))
	// absolute realtime clock in the past: immediate
	var rt uint64
	wasiClockTimeGet(0, 0, unsafe.Pointer(&rt))
	sub = subClock{userdata: 7, id: 0, timeout: rt - 1e9, flags: 1}
	ev = [2]event{}
	t0 = time.Now()
	e = wasiPollOneoff(unsafe.Pointer(&sub), unsafe.Pointer(&ev[0]), 1, unsafe.Pointer(&n))
	say("raw poll abstime past: %s n=%d userdata=%d errno=%d quick:%s", errstr(e), n, ev[0].userdata, ev[0].errno, yes(time.Since(t0) < 2*time.Second))
	// absolute monotonic clock 15ms ahead
	var mono uint64
	wasiClockTimeGet(1, 0, unsafe.Pointer(&mono))
	sub = subClock{userdata: 8, id: 1, timeout: mono + 15e6, flags: 1}
	t0 = time.Now()
	e = wasiPollOneoff(unsafe.Pointer(&sub), unsafe.Pointer(&ev[0]), 1, unsafe.Pointer(&n))
	say("raw poll abstime monotonic +15ms: %s n=%d userdata=%d elapsed>=15ms:%s", errstr(e), n, ev[0].userdata, yes(time.Since(t0) >= 15*time.Millisecond))
	// zero subscriptions
	e = wasiPollOneoff(unsafe.Pointer(&sub), unsafe.Pointer(&ev[0]), 0, unsafe.Pointer(&n))
	say("raw poll zero subscriptions: %s", errstr(e))
	// fd_write readiness of stdout, together with a long clock
	subs := [2]subFd{{userdata: 1, tag: 2, fd: 1}}
	clk := (*subClock)(unsafe.Pointer(&subs[1]))
	*clk = subClock{userdata: 2, id: 1, timeout: 5e9}
	ev = [2]event{}
	t0 = time.Now()
	e = wasiPollOneoff(unsafe.Pointer(&subs[0]), unsafe.Pointer(&ev[0]), 2, unsafe.Pointer(&n))
	say("raw poll stdout writable: %s n=%d first userdata=%d errno=%d type=%d quick:%s", errstr(e), n, ev[0].userdata, ev[0].errno, ev[0].typ, yes(time.Since(t0) < 2*time.Second))
	// fd_read on a regular file: ready at once
	f, err := os.Open("hello.txt")
	if err == nil {
		subs = [2]subFd{{userdata: 3, tag: 1, fd: uint32(f.Fd())}}
		ev = [2]event{}
		e = wasiPollOneoff(unsafe.Pointer(&subs[0]), unsafe.Pointer(&ev[0]), 1, unsafe.Pointer(&n))
		// The exact count differs by rule poll-events (mode sleep-poll-badfd prints it).
		say("raw poll file readable: %s n=%d userdata=%d errno=%d type=%d nbytes>0:%s", errstr(e), n, ev[0].userdata, ev[0].errno, ev[0].typ, yes(ev[0].nbytes > 0))
		f.Close()
	} else {
		say("open hello.txt: %s", res(err))
	}
	// (an fd_read subscription on a bad fd: mode sleep-poll-badfd)
	say("sched_yield: %s", errstr(wasiSchedYield()))
	buf := make([]byte, 64)
	e = wasiRandomGet(unsafe.Pointer(&buf[0]), 64)
	nz := 0
	for _, c := range buf {
		if c != 0 {
			nz++
		}
	}
	say("random_get: %s nonzero bytes > 32: %s", errstr(e), yes(nz > 32))
}

// sleepPollBadfd: an fd_read subscription on fd 99 is an EBADF event under aotc; under
// Wasmtime the whole poll_oneoff call fails with EBADF.
func sleepPollBadfd() {
	subs := [2]subFd{{userdata: 4, tag: 1, fd: 99}}
	var ev [2]event
	var n uint32
	e := wasiPollOneoff(unsafe.Pointer(&subs[0]), unsafe.Pointer(&ev[0]), 1, unsafe.Pointer(&n))
	say("raw poll bad fd: %s n=%d userdata=%d errno=%s", errstr(e), n, ev[0].userdata, errstr(uint32(ev[0].errno)))
	// Read readiness of a 13-byte file at offset 0: aotc reports the 13 bytes left,
	// Wasmtime 1.
	f, err := os.Open("hello.txt")
	if err == nil {
		subs = [2]subFd{{userdata: 3, tag: 1, fd: uint32(f.Fd())}}
		ev = [2]event{}
		e = wasiPollOneoff(unsafe.Pointer(&subs[0]), unsafe.Pointer(&ev[0]), 1, unsafe.Pointer(&n))
		say("raw poll file readable: %s nbytes=%d", errstr(e), ev[0].nbytes)
		f.Close()
	}
}

func fdline(fd int32) string {
	st, e := getFdstat(fd)
	if e != "ok" {
		return e
	}
	return fmt.Sprintf("type=%d flags=%#x", st.filetype, st.flags)
}

func fdflags() {
	for fd := int32(0); fd < 3; fd++ {
		say("fdstat %d: %s", fd, fdline(fd))
	}
	say("fdstat 3 (preopen): %s", fdline(3))
	say("fdstat 99: %s", fdline(99))
	f, err := os.OpenFile("app.txt", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		say("open app.txt: %s", res(err))
		return
	}
	fd := int32(f.Fd())
	say("append file: %s", fdline(fd))
	say("SetNonblock true: %s", res(syscall.SetNonblock(int(fd), true)))
	say("after SetNonblock: %s", fdline(fd))
	say("SetNonblock false: %s", res(syscall.SetNonblock(int(fd), false)))
	say("after clear: %s", fdline(fd))
	say("set_flags 0 (drop append): %s", errstr(wasiFdstatSetFlags(fd, 0)))
	say("after drop append: %s", fdline(fd))
	f.WriteString("first\n")
	f.Seek(0, 0)
	f.WriteString("X")
	say("content: %s", readOrErr("app.txt"))
	say("set_flags sync: %s", errstr(wasiFdstatSetFlags(fd, 0x10)))
	say("after sync flag: %s", fdline(fd))
	st, _ := getFdstat(fd)
	say("has FD_WRITE right: %s", yes(st.rightsBase&(1<<6) != 0))
	// (fd_fdstat_set_rights: mode fdflags-rights)
	f.Close()
	// renumber a file over another
	a, _ := os.Open("hello.txt")
	b, _ := os.Open("digits.txt")
	fa, fb := int32(a.Fd()), int32(b.Fd())
	say("renumber: %s", errstr(wasiFdRenumber(fa, fb)))
	buf := make([]byte, 5)
	n, err := syscall.Read(int(fb), buf)
	say("read renumbered: %q %s", buf[:n], res(err))
	say("old fd after renumber: %s", fdline(fa))
	say("renumber bad: %s", errstr(wasiFdRenumber(99, fb)))
	// (fd_allocate: mode fdflags-allocate)
	say("seek on stdout: %s", func() string {
		var p uint64
		return errstr(wasiFdSeek(1, 0, 1, unsafe.Pointer(&p)))
	}())
	say("tell on preopen: %s", func() string {
		var p uint64
		return errstr(wasiFdTell(3, unsafe.Pointer(&p)))
	}())
	n, err = syscall.Write(3, []byte("x"))
	say("write to preopen dir: n=%d %s", n, res(err))
	say("close bad fd: %s", res(syscall.Close(99)))
	// stdout/stderr are character devices or pipes; just write through them
	n, err = os.Stdout.Write([]byte("direct stdout write\n"))
	say("stdout write: n=%d %s", n, res(err))
}

// fdflagsRights: fd_fdstat_set_rights dropping FD_WRITE succeeds under aotc and the next
// write is ENOTCAPABLE, adding it back too (Wasmtime: ENOTSUP, and the write succeeds).
func fdflagsRights() {
	f, err := os.OpenFile("app.txt", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		say("open app.txt: %s", res(err))
		return
	}
	fd := int32(f.Fd())
	_, err = f.WriteString("first\n")
	say("write: %s", res(err))
	st, _ := getFdstat(fd)
	say("has FD_WRITE right: %s", yes(st.rightsBase&(1<<6) != 0))
	say("set_rights drop write: %s", errstr(wasiFdstatSetRights(fd, st.rightsBase&^(1<<6), st.rightsInh)))
	_, err = f.WriteString("after drop\n")
	say("write after dropping right: %s", res(err))
	say("set_rights add back: %s", errstr(wasiFdstatSetRights(fd, st.rightsBase, st.rightsInh)))
	f.Close()
	say("content: %s", readOrErr("app.txt"))
}

// fdflagsAllocate: fd_allocate(0, 100) on a new empty file reserves 100 bytes under aotc
// (Wasmtime: ENOTSUP, the file stays empty).
func fdflagsAllocate() {
	g, err := os.OpenFile("alloc.bin", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		say("open alloc.bin: %s", res(err))
		return
	}
	say("allocate: %s", errstr(wasiFdAllocate(int32(g.Fd()), 0, 100)))
	if fi, err := g.Stat(); err == nil {
		say("size after allocate: %d", fi.Size())
	}
	g.Close()
}
