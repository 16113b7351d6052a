/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The real guests that tools/build-guests.sh makes from Debian packages are
 * there and look like what QEMU will boot: a bzImage and a gzipped newc
 * initramfs for the demo VM, a boot sector image and an El Torito CD for the
 * tiny guest, an arm64 Image and initramfs for the AArch64 guest, and a
 * kernel of the right kind for each other Debian release architecture.  The boot
 * tests themselves are in the lifecycle suites; this one says clearly what
 * to run when the guests are missing.
 */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#define BUILD_HINT "run `sh tools/build-guests.sh build/guests` (or `sh tools/setup.sh`)"

/* The contents of $HANGAR_GUESTS_DIR/sub/name, or NULL after failing the
 * test with a message that says how to build the guests. */
static GBytes *
load_guest_file (const char *sub, const char *name)
{
  const char *dir = g_getenv ("HANGAR_GUESTS_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (dir == NULL || *dir == '\0')
    {
      g_test_fail_printf ("HANGAR_GUESTS_DIR is not set: run the tests through "
                          "`meson test`, and " BUILD_HINT);
      return NULL;
    }
  path = g_build_filename (dir, sub, name, NULL);
  if (!g_file_get_contents (path, &data, &len, &error))
    {
      g_test_fail_printf ("guest file %s is missing or unreadable (%s): " BUILD_HINT,
                          path, error->message);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

static gboolean
has_bytes_at (GBytes *bytes, gsize offset, const void *magic, gsize magic_len)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return len >= offset + magic_len && memcmp (data + offset, magic, magic_len) == 0;
}

static gboolean
contains (GBytes *bytes, const char *needle)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  gsize needle_len = strlen (needle);

  /* binary data: NUL bytes do not end the search */
  for (const char *p = data; len >= needle_len && p != NULL;)
    {
      gsize left = len - (gsize) (p - data);

      if (left < needle_len)
        break;
      if (memcmp (p, needle, needle_len) == 0)
        return TRUE;
      p = memchr (p + 1, needle[0], left - 1);
    }
  return FALSE;
}

/* Gunzips an initramfs, asserts it is a newc cpio archive and returns it. */
static GBytes *
gunzip_initramfs (GBytes *gz)
{
  g_autoptr(GZlibDecompressor) decompressor = NULL;
  g_autoptr(GInputStream) raw = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *cpio;

  g_assert_true (has_bytes_at (gz, 0, "\x1f\x8b", 2));
  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  raw = g_memory_input_stream_new_from_bytes (gz);
  stream = g_converter_input_stream_new (raw, G_CONVERTER (decompressor));
  out = g_memory_output_stream_new_resizable ();
  g_output_stream_splice (out, stream,
                          G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                          NULL, &error);
  g_assert_no_error (error);
  cpio = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_true (has_bytes_at (cpio, 0, "070701", 6));  /* newc */
  return cpio;
}

static void
check_initramfs (const char *sub, const char *banner, const char *console,
                 gboolean virtio_net)
{
  g_autoptr(GBytes) gz = load_guest_file (sub, "initrd.img");
  g_autoptr(GBytes) cpio = NULL;
  g_autoptr(GBytes) cmdline = load_guest_file (sub, "cmdline");

  if (gz == NULL || cmdline == NULL)
    return;
  cpio = gunzip_initramfs (gz);
  g_assert_true (contains (cpio, "bin/busybox"));
  g_assert_true (contains (cpio, "init"));
  g_assert_true (contains (cpio, banner));
  if (virtio_net)
    g_assert_true (contains (cpio, "virtio_net.ko"));
  g_assert_true (contains (cmdline, console));
}

static void
test_demo (void)
{
  g_autoptr(GBytes) kernel = load_guest_file ("demo", "vmlinuz");

  if (kernel == NULL)
    return;
  /* an x86 bzImage: the boot protocol header "HdrS" at 0x202 */
  g_assert_true (has_bytes_at (kernel, 0x202, "HdrS", 4));
  g_assert_true (has_bytes_at (kernel, 0x1fe, "\x55\xaa", 2));
  check_initramfs ("demo", "Welcome to the Hangar demo VM", "console=ttyS0", TRUE);
}

static void
test_tiny (void)
{
  g_autoptr(GBytes) img = load_guest_file ("tiny", "boot.img");
  g_autoptr(GBytes) iso = load_guest_file ("tiny", "boot.iso");

  if (img == NULL || iso == NULL)
    return;
  /* a 1.44 MB floppy whose first sector is a boot sector */
  g_assert_cmpuint (g_bytes_get_size (img), ==, 1474560);
  g_assert_true (has_bytes_at (img, 510, "\x55\xaa", 2));
  g_assert_true (contains (img, "HANGAR-BOOT OK"));
  /* ISO 9660 with an El Torito boot record volume descriptor (sector 17) */
  g_assert_true (has_bytes_at (iso, 0x8001, "CD001", 5));
  g_assert_true (has_bytes_at (iso, 0x8801, "CD001", 5));
  g_assert_true (has_bytes_at (iso, 0x8807, "EL TORITO SPECIFICATION", 23));
}

static void
test_aarch64 (void)
{
  g_autoptr(GBytes) kernel = load_guest_file ("aarch64", "vmlinuz");

  if (kernel == NULL)
    return;
  /* an arm64 Image: "ARM\x64" at 0x38 (build-guests.sh uncompresses it) */
  g_assert_true (has_bytes_at (kernel, 0x38, "ARM\x64", 4));
  check_initramfs ("aarch64", "Welcome to the Hangar AArch64 VM", "console=ttyAMA0", TRUE);
}

/* The guests of Debian's other release architectures (tests/test-arches.c) */
typedef struct {
  const char *arch;
  gsize       offset;  /* of the kernel format's magic */
  const char *magic;
  gsize       magic_len;
  const char *console;
} ArchGuest;

static const ArchGuest arch_guests[] = {
  /* bzImage header */
  { "i386", 0x202, "HdrS", 4, "ttyS0" },
  /* ARM zImage magic 0x016f2818 */
  { "armhf", 0x24, "\x18\x28\x6f\x01", 4, "ttyAMA0" },
  /* ELF64, little-endian, EM_PPC64 (21) */
  { "ppc64el", 0, "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x15", 19, "hvc0" },
  /* s390 IPL PSW and CCWs, the start of every s390x kernel image */
  { "s390x", 8, "\x02\x00\x00\x18\x60\x00\x00\x50", 8, "ttysclp0" },
  /* ELF64, little-endian, EM_MIPS (8) */
  { "mips64el", 0, "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x08", 19, "ttyS0" },
};

static void
test_arch_guest (gconstpointer data)
{
  const ArchGuest *g = data;
  g_autoptr(GBytes) kernel = load_guest_file (g->arch, "vmlinuz");
  g_autofree char *banner = g_strdup_printf ("Welcome to the Hangar %s VM", g->arch);
  g_autofree char *console = g_strconcat ("console=", g->console, NULL);

  if (kernel == NULL)
    return;
  g_assert_true (has_bytes_at (kernel, g->offset, g->magic, g->magic_len));
  /* a serial shell only: no modules */
  check_initramfs (g->arch, banner, console, FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/guests/demo", test_demo);
  g_test_add_func ("/hangar/guests/tiny", test_tiny);
  g_test_add_func ("/hangar/guests/aarch64", test_aarch64);
  for (guint i = 0; i < G_N_ELEMENTS (arch_guests); i++)
    {
      g_autofree char *path = g_strconcat ("/hangar/guests/", arch_guests[i].arch, NULL);
      g_test_add_data_func (path, &arch_guests[i], test_arch_guest);
    }

  return g_test_run ();
}
