/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-core"
#include "config.h"

#include <string.h>

#include "hg-enums.h"

#define ENUM_STRINGS(name, Type, ...)                                   \
  static const char *const name##_names[] = { __VA_ARGS__ };            \
  const char *                                                          \
  hg_##name##_to_string (Type value)                                    \
  {                                                                     \
    if ((guint) value < G_N_ELEMENTS (name##_names))                    \
      return name##_names[value];                                       \
    return NULL;                                                        \
  }                                                                     \
  gboolean                                                              \
  hg_##name##_from_string (const char *str, Type *out)                  \
  {                                                                     \
    if (str == NULL)                                                    \
      return FALSE;                                                     \
    for (guint i = 0; i < G_N_ELEMENTS (name##_names); i++)             \
      if (strcmp (str, name##_names[i]) == 0)                           \
        {                                                               \
          *out = (Type) i;                                              \
          return TRUE;                                                  \
        }                                                               \
    return FALSE;                                                       \
  }

ENUM_STRINGS (accel, HgAccel, "auto", "kvm", "tcg")
ENUM_STRINGS (boot_mode, HgBootMode, "disk", "cdrom", "pxe", "kernel", "floppy", "usb")
ENUM_STRINGS (net_mode, HgNetMode, "none", "user", "vde", "tap")
ENUM_STRINGS (console, HgConsole, "vnc", "sdl", "serial", "none")
ENUM_STRINGS (firmware_kind, HgFirmwareKind, "bios", "uefi", "uefi-secure")

G_DEFINE_ENUM_TYPE (HgAccel, hg_accel,
  G_DEFINE_ENUM_VALUE (HG_ACCEL_AUTO, "auto"),
  G_DEFINE_ENUM_VALUE (HG_ACCEL_KVM, "kvm"),
  G_DEFINE_ENUM_VALUE (HG_ACCEL_TCG, "tcg"))

G_DEFINE_ENUM_TYPE (HgBootMode, hg_boot_mode,
  G_DEFINE_ENUM_VALUE (HG_BOOT_DISK, "disk"),
  G_DEFINE_ENUM_VALUE (HG_BOOT_CDROM, "cdrom"),
  G_DEFINE_ENUM_VALUE (HG_BOOT_PXE, "pxe"),
  G_DEFINE_ENUM_VALUE (HG_BOOT_KERNEL, "kernel"),
  G_DEFINE_ENUM_VALUE (HG_BOOT_FLOPPY, "floppy"),
  G_DEFINE_ENUM_VALUE (HG_BOOT_USB, "usb"))

G_DEFINE_ENUM_TYPE (HgNetMode, hg_net_mode,
  G_DEFINE_ENUM_VALUE (HG_NET_NONE, "none"),
  G_DEFINE_ENUM_VALUE (HG_NET_USER, "user"),
  G_DEFINE_ENUM_VALUE (HG_NET_VDE, "vde"),
  G_DEFINE_ENUM_VALUE (HG_NET_TAP, "tap"))

G_DEFINE_ENUM_TYPE (HgConsole, hg_console,
  G_DEFINE_ENUM_VALUE (HG_CONSOLE_VNC, "vnc"),
  G_DEFINE_ENUM_VALUE (HG_CONSOLE_SDL, "sdl"),
  G_DEFINE_ENUM_VALUE (HG_CONSOLE_SERIAL, "serial"),
  G_DEFINE_ENUM_VALUE (HG_CONSOLE_NONE, "none"))

G_DEFINE_ENUM_TYPE (HgFirmwareKind, hg_firmware_kind,
  G_DEFINE_ENUM_VALUE (HG_FIRMWARE_BIOS, "bios"),
  G_DEFINE_ENUM_VALUE (HG_FIRMWARE_UEFI, "uefi"),
  G_DEFINE_ENUM_VALUE (HG_FIRMWARE_UEFI_SECURE, "uefi-secure"))
