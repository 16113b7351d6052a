/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hg-util-enum-types.h"

G_BEGIN_DECLS

typedef enum {
  HG_ACCEL_AUTO, /*< nick=auto >*/
  HG_ACCEL_KVM, /*< nick=kvm >*/
  HG_ACCEL_TCG, /*< nick=tcg >*/
} HgAccel;

typedef enum {
  HG_BOOT_DISK, /*< nick=disk >*/
  HG_BOOT_CDROM, /*< nick=cdrom >*/
  HG_BOOT_PXE, /*< nick=pxe >*/
  HG_BOOT_KERNEL, /*< nick=kernel >*/
  HG_BOOT_FLOPPY, /*< nick=floppy >*/
  HG_BOOT_USB, /*< nick=usb >*/
} HgBootMode;

typedef enum {
  HG_NET_NONE, /*< nick=none >*/
  HG_NET_USER, /*< nick=user >*/
  HG_NET_VDE, /*< nick=vde >*/
  HG_NET_TAP, /*< nick=tap >*/
} HgNetMode;

typedef enum {
  HG_CONSOLE_VNC, /*< nick=vnc >*/
  HG_CONSOLE_SDL, /*< nick=sdl >*/
  HG_CONSOLE_SERIAL, /*< nick=serial >*/
  HG_CONSOLE_NONE, /*< nick=none >*/
} HgConsole;

typedef enum {
  /* the board's own (SeaBIOS ...), or a -kernel */
  HG_FIRMWARE_BIOS, /*< nick=bios >*/
  /* UEFI with the VM's own variables */
  HG_FIRMWARE_UEFI, /*< nick=uefi >*/
  /* the same with Secure Boot, Microsoft's keys enrolled */
  HG_FIRMWARE_UEFI_SECURE, /*< nick=uefi-secure >*/
} HgFirmwareKind;

/* The strings of an enum are the nicks of its GEnum type (glib-mkenums:
 * the nick= annotations above, hg-util-enum-types.h), and they are the ones
 * written in .hangar files.  hg_enum_to_nick() returns NULL for a value the
 * type does not have; hg_enum_from_nick() FALSE for an unknown string. */
const char *hg_enum_to_nick         (GType type, int value);
gboolean    hg_enum_from_nick       (GType type, const char *nick, int *out);

const char *hg_accel_to_string      (HgAccel     accel);
gboolean    hg_accel_from_string    (const char *str, HgAccel    *out);
const char *hg_boot_mode_to_string  (HgBootMode  mode);
gboolean    hg_boot_mode_from_string(const char *str, HgBootMode *out);
const char *hg_net_mode_to_string   (HgNetMode   mode);
gboolean    hg_net_mode_from_string (const char *str, HgNetMode  *out);
const char *hg_console_to_string    (HgConsole   console);
gboolean    hg_console_from_string  (const char *str, HgConsole  *out);
const char *hg_firmware_kind_to_string   (HgFirmwareKind kind);
gboolean    hg_firmware_kind_from_string (const char *str, HgFirmwareKind *out);

G_END_DECLS
