package dev.purestock.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Linux cachestat(2) (kernel 6.5+), through python3's ctypes: how many pages of a file range are dirty in the
 * page cache, that is written by the process but not yet on the device (what a power loss would take).
 */
final class PageCacheProbe {
    private static final String SCRIPT = String.join("\n",
            "import ctypes, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "fd = os.open(sys.argv[1], os.O_RDONLY)",
            "r = (ctypes.c_uint64 * 2)(int(sys.argv[2]), int(sys.argv[3]))",
            "s = (ctypes.c_uint64 * 5)()",
            "rc = libc.syscall(451, fd, r, s, 0)",
            "if rc != 0: sys.exit('cachestat failed, errno %d' % ctypes.get_errno())",
            "print(s[1])");

    private static final boolean AVAILABLE = probe();

    private PageCacheProbe() {
    }

    /** Whether this machine can answer (Linux 6.5 or later, with python3): the tests that use it assume so. */
    static boolean available() {
        return AVAILABLE;
    }

    private static boolean probe() {
        try {
            Path file = java.nio.file.Files.createTempFile("purestock-probe", ".bin");
            try {
                java.nio.file.Files.write(file, new byte[4096]);
                dirtyPages(file, 0, 4096);
                return true;
            } finally {
                java.nio.file.Files.deleteIfExists(file);
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Dirty pages of {@code file} in {@code [offset, offset + length)}. */
    static long dirtyPages(Path file, long offset, long length) {
        try {
            Process p = new ProcessBuilder("python3", "-c", SCRIPT, file.toString(), Long.toString(offset),
                    Long.toString(length)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IllegalStateException(out);
            }
            return Long.parseLong(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
