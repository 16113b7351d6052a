/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * ISO images built in tests with xorriso (Debian packages xorriso,
 * isolinux, syslinux-common; see tools/install-deps.sh), shaped like real
 * install media so that libosinfo/osinfo-db recognise them.
 *
 * Media rules osinfo-db 20221130 knows (os/debian.org/debian-11.xml):
 *   volume id "Debian 11.5.0 amd64 n"  -> debian11, x86_64 netinst
 *   volume id "Debian 11.5.0 arm64 n"  -> debian11, aarch64 netinst
 * (Debian 12 is newer than that osinfo-db; use 11.)
 *
 * Example, the end-to-end test of the assistant:
 *
 *   g_autofree char *iso = hg_test_iso_make_bootable_demo (tmpdir, "debian.iso",
 *                                                          HG_TEST_ISO_DEBIAN11_AMD64,
 *                                                          &error);
 *   // a BIOS-bootable (isolinux, El Torito) ISO whose boot menu starts at
 *   // once the demo guest: $HANGAR_GUESTS_DIR/demo/vmlinuz + initrd.img with
 *   // its cmdline (console=tty0 console=ttyS0,115200), so in install mode
 *   // (boot from CD-ROM) the demo banner and shell appear on the VGA
 *   // display and the serial console.  libosinfo detects it as Debian 11.
 */

#define HG_TEST_ISO_DEBIAN11_AMD64 "Debian 11.5.0 amd64 n"
#define HG_TEST_ISO_DEBIAN11_ARM64 "Debian 11.5.0 arm64 n"
#define HG_TEST_ISO_DEBIAN11_DISK_INFO \
  "Debian GNU/Linux 11.5.0 \"Bullseye\" - Official amd64 NETINST 20220910-10:38"

/* NULL when the ISO tools are installed, else what is missing (for
 * g_test_skip). */
const char *hg_test_iso_missing_tools (void);

/* A plain (not bootable) ISO 9660 image dir/name with the volume id and,
 * if disk_info is not NULL, a .disk/info file (as Debian media have).
 * Returns the absolute path, or NULL + error. */
char *hg_test_iso_make (const char  *dir,
                        const char  *name,
                        const char  *volume_id,
                        const char  *disk_info,
                        GError     **error);

/* A BIOS-bootable isolinux ISO dir/name that boots the demo guest
 * (kernel + initrd + cmdline from $HANGAR_GUESTS_DIR/demo) right away
 * (no prompt), volume id as given, with the Debian .disk/info.  Returns
 * the absolute path, or NULL + error (also when the demo guest is not
 * built: run tools/build-guests.sh). */
char *hg_test_iso_make_bootable_demo (const char  *dir,
                                      const char  *name,
                                      const char  *volume_id,
                                      GError     **error);

/* Shorthand: hg_test_iso_make_bootable_demo (dir, "install.iso",
 * HG_TEST_ISO_DEBIAN11_AMD64, error). */
char *hg_test_iso_build (const char  *dir,
                         GError     **error);

G_END_DECLS
