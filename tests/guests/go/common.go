// Helpers shared by every Go guest program of this folder (each is built together with this
// file): one-line check printing, errno names, and raw WASI preview1 imports for the calls
// the Go standard library does not expose (rights, clock resolution, fd_tell, poll_oneoff...).
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"unsafe"
)

var errnoNames = map[syscall.Errno]string{
	1: "E2BIG", 2: "EACCES", 6: "EAGAIN", 8: "EBADF", 10: "EBUSY", 16: "EDEADLK",
	20: "EEXIST", 21: "EFAULT", 22: "EFBIG", 27: "EINTR", 28: "EINVAL", 29: "EIO",
	31: "EISDIR", 32: "ELOOP", 33: "EMFILE", 34: "EMLINK", 37: "ENAMETOOLONG",
	43: "ENODEV", 44: "ENOENT", 45: "ENOEXEC", 48: "ENOMEM", 51: "ENOSPC", 52: "ENOSYS",
	54: "ENOTDIR", 55: "ENOTEMPTY", 57: "ENOTSOCK", 58: "ENOTSUP", 59: "ENOTTY", 60: "ENXIO",
	61: "EOVERFLOW", 63: "EPERM", 64: "EPIPE", 68: "ERANGE", 69: "EROFS", 70: "ESPIPE",
	75: "EXDEV", 76: "ENOTCAPABLE",
}

// errnoName names a WASI errno ("ENOENT"), or gives its number.
func errnoName(e syscall.Errno) string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("errno%d", uint16(e))
}

// res renders an error for a check line: "ok", or the errno name (when there is one)
// followed by Go's message, which names the operation and the guest-side path.
func res(err error) string {
	if err == nil {
		return "ok"
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return errnoName(e) + " (" + err.Error() + ")"
	}
	return "error (" + err.Error() + ")"
}

// say prints one check line.
func say(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
}

// yes renders a relation.
func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// kind renders a file mode's type as one letter: f, d, l or ?.
func kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "f"
	case m.IsDir():
		return "d"
	case m&fs.ModeSymlink != 0:
		return "l"
	}
	return "?(" + m.String() + ")"
}

// readOrErr returns a file's content quoted, or its error.
func readOrErr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return res(err)
	}
	return fmt.Sprintf("%q", b)
}

// Raw WASI preview1 imports (pointers are guest linear-memory addresses).

//go:wasmimport wasi_snapshot_preview1 fd_fdstat_get
func wasiFdstatGet(fd int32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_fdstat_set_flags
func wasiFdstatSetFlags(fd int32, flags uint32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_fdstat_set_rights
func wasiFdstatSetRights(fd int32, base uint64, inheriting uint64) uint32

//go:wasmimport wasi_snapshot_preview1 fd_tell
func wasiFdTell(fd int32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_seek
func wasiFdSeek(fd int32, offset int64, whence uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_advise
func wasiFdAdvise(fd int32, offset uint64, length uint64, advice uint32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_allocate
func wasiFdAllocate(fd int32, offset uint64, length uint64) uint32

//go:wasmimport wasi_snapshot_preview1 fd_datasync
func wasiFdDatasync(fd int32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_renumber
func wasiFdRenumber(from int32, to int32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_filestat_set_times
func wasiFdFilestatSetTimes(fd int32, atim uint64, mtim uint64, flags uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_filestat_set_times
func wasiPathFilestatSetTimes(fd int32, lookup uint32, path unsafe.Pointer, pathLen uint32, atim uint64, mtim uint64, flags uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_open
func wasiPathOpen(fd int32, lookup uint32, path unsafe.Pointer, pathLen uint32, oflags uint32, base uint64, inheriting uint64, fdflags uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_prestat_get
func wasiPrestatGet(fd int32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_prestat_dir_name
func wasiPrestatDirName(fd int32, buf unsafe.Pointer, n uint32) uint32

//go:wasmimport wasi_snapshot_preview1 clock_res_get
func wasiClockResGet(id uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 clock_time_get
func wasiClockTimeGet(id uint32, precision uint64, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 poll_oneoff
func wasiPollOneoff(in unsafe.Pointer, out unsafe.Pointer, n uint32, nevents unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 random_get
func wasiRandomGet(buf unsafe.Pointer, n uint32) uint32

//go:wasmimport wasi_snapshot_preview1 sched_yield
func wasiSchedYield() uint32

// fdstat is WASI's fdstat record (24 bytes).
type fdstat struct {
	filetype   uint8
	_          uint8
	flags      uint16
	_          uint32
	rightsBase uint64
	rightsInh  uint64
}

func getFdstat(fd int32) (fdstat, string) {
	var st fdstat
	e := wasiFdstatGet(fd, unsafe.Pointer(&st))
	return st, errstr(e)
}

// errstr renders a raw WASI errno result.
func errstr(e uint32) string {
	if e == 0 {
		return "ok"
	}
	return errnoName(syscall.Errno(e))
}

// pathPtr returns a string's bytes for a raw path argument.
func pathPtr(s string) (unsafe.Pointer, uint32) {
	b := []byte(s)
	if len(b) == 0 {
		b = []byte{0}
		return unsafe.Pointer(&b[0]), 0
	}
	return unsafe.Pointer(&b[0]), uint32(len(s))
}

// unsafe_ptr takes the address of a result slot.
func unsafe_ptr[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }
