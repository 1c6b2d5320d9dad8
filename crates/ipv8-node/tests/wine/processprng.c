/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, for running ipv8.exe under Wine 8
 * (Debian 12), which does not ship that DLL. Rust's standard library imports ProcessPrng from
 * it since Rust 1.78, so without it every Rust .exe fails to load (status c0000135).
 *
 * ProcessPrng fills a buffer with random bytes; here it forwards to RtlGenRandom
 * (advapi32's SystemFunction036), which Wine does implement. The Wine smoke test builds this
 * with mingw into its own scratch directory, next to its copy of ipv8.exe; it is never part of
 * anything shipped, and real Windows (8 and later) has the genuine DLL.
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG length: hand large requests over in pieces. */
    while (len > 0) {
        ULONG chunk = len > 0x7fffffffu ? 0x7fffffffu : (ULONG)len;
        if (!RtlGenRandom(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
