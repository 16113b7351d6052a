/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  HG_ACCEL_AUTO,
  HG_ACCEL_KVM,
  HG_ACCEL_TCG,
} HgAccel;

typedef enum {
  HG_BOOT_DISK,
  HG_BOOT_CDROM,
  HG_BOOT_PXE,
  HG_BOOT_KERNEL,
  HG_BOOT_FLOPPY,
  HG_BOOT_USB,
} HgBootMode;

typedef enum {
  HG_NET_NONE,
  HG_NET_USER,
  HG_NET_VDE,
  HG_NET_TAP,
} HgNetMode;

typedef enum {
  HG_CONSOLE_VNC,
  HG_CONSOLE_SDL,
  HG_CONSOLE_SERIAL,
  HG_CONSOLE_NONE,
} HgConsole;

typedef enum {
  HG_FIRMWARE_BIOS,          /* the board's own (SeaBIOS ...), or a -kernel */
  HG_FIRMWARE_UEFI,          /* UEFI with the VM's own variables */
  HG_FIRMWARE_UEFI_SECURE,   /* the same with Secure Boot, Microsoft's keys enrolled */
} HgFirmwareKind;

/* String <-> enum for the keyfile, the CLI and the UI.  The string forms are
 * the ones written in .hangar files: "auto", "kvm", "tcg"; "disk", "cdrom",
 * "pxe", "kernel", "floppy", "usb"; "none", "user", "vde", "tap"; "vnc",
 * "sdl", "serial", "none".  _from_string returns FALSE for unknown input. */
const char *hg_accel_to_string      (HgAccel     accel);
gboolean    hg_accel_from_string    (const char *str, HgAccel    *out);
const char *hg_boot_mode_to_string  (HgBootMode  mode);
gboolean    hg_boot_mode_from_string(const char *str, HgBootMode *out);
const char *hg_net_mode_to_string   (HgNetMode   mode);
gboolean    hg_net_mode_from_string (const char *str, HgNetMode  *out);
const char *hg_console_to_string    (HgConsole   console);
gboolean    hg_console_from_string  (const char *str, HgConsole  *out);
/* "bios", "uefi", "uefi-secure" */
const char *hg_firmware_kind_to_string   (HgFirmwareKind kind);
gboolean    hg_firmware_kind_from_string (const char *str, HgFirmwareKind *out);

/* GEnum types, for GObject properties (HgVmSpec); nicks are the strings above. */
GType hg_accel_get_type     (void) G_GNUC_CONST;
GType hg_boot_mode_get_type (void) G_GNUC_CONST;
GType hg_net_mode_get_type  (void) G_GNUC_CONST;
GType hg_console_get_type   (void) G_GNUC_CONST;
#define HG_TYPE_ACCEL     (hg_accel_get_type ())
#define HG_TYPE_BOOT_MODE (hg_boot_mode_get_type ())
#define HG_TYPE_NET_MODE  (hg_net_mode_get_type ())
#define HG_TYPE_CONSOLE   (hg_console_get_type ())
GType hg_firmware_kind_get_type (void) G_GNUC_CONST;
#define HG_TYPE_FIRMWARE_KIND (hg_firmware_kind_get_type ())

G_END_DECLS
