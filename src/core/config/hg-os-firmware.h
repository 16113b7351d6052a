/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The firmware and TPM an OS needs or recommends, from libosinfo: the
 * firmware entries of the OS (and those it inherits) for the arch, and
 * its devices.
 *
 *   UEFI         when libosinfo lists UEFI for the OS (and the arch is one
 *                with UEFI firmware: x86_64, aarch64);
 *   Secure Boot  when an entry asks for it (newer osinfo-db), or for a
 *   + TPM 2.0    Windows that libosinfo marks as not supporting BIOS
 *                (Windows 11: Microsoft's hardware requirement, which
 *                osinfo-db 2022 does not record);
 *   TPM          when a TPM device is listed for the OS.
 *
 * The choice is stored in the config as [machine] firmware= and tpm=.
 */

typedef struct {
  char     *firmware;   /* "bios", "uefi", "uefi-secure" */
  gboolean  tpm;
  gboolean  needed;     /* the OS needs it (libosinfo: no BIOS; Secure Boot,
                           TPM asked for), else it only supports it: a
                           creation applies needed advice by itself */
  char     *reason;     /* translated: why, for the summary and hangarctl */
} HgOsFirmwareAdvice;

void hg_os_firmware_advice_free (HgOsFirmwareAdvice *advice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgOsFirmwareAdvice, hg_os_firmware_advice_free)

/* The advice for the OS os_id (short id or URI) on arch (Hangar's name),
 * or NULL when libosinfo does not know the OS or
 * cannot be loaded.  BIOS advice (firmware "bios", reason NULL) when the
 * OS asks for nothing else. */
HgOsFirmwareAdvice *hg_os_firmware_recommend (const char *os_id,
                                              const char *arch);

G_END_DECLS
