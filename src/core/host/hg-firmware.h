/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-enums.h"

G_BEGIN_DECLS

/*
 * Firmware from QEMU's firmware descriptors (QEMU docs/interop/firmware.json,
 * read as libvirt's qemu_firmware.c does): every *.json in
 * $XDG_CONFIG_HOME/qemu/firmware, /etc/qemu/firmware and
 * /usr/share/qemu/firmware, a file name in an earlier folder hiding the same
 * name in a later one (an empty file hides it and offers nothing), then all
 * ordered by file name.  Only flash-mapped UEFI firmware is used (OVMF,
 * AAVMF); the rest is parsed and skipped.
 *
 * A descriptor names host files that QEMU then opens: both must be
 * absolute, canonical paths (no "." or ".." parts) in a system or the
 * user's own folder (/usr, /opt, /etc, /nix/store, the home folder) and,
 * when loaded from disk, regular files; a descriptor that fails is skipped
 * (g_debug says why).
 *
 * The variables of a VM (its NVRAM) are a qcow2 file in the VM's folder
 * made from the descriptor's template, so that internal snapshots cover
 * them (a raw pflash cannot hold a snapshot).
 */

#define HG_FIRMWARE_ERROR (hg_firmware_error_quark ())

typedef enum {
  HG_FIRMWARE_ERROR_INVALID,      /* a descriptor that is not valid */
  HG_FIRMWARE_ERROR_UNSAFE,       /* a path refused (relative, outside, not a file) */
  HG_FIRMWARE_ERROR_NOT_FOUND,    /* no firmware for the arch/machine: package missing */
  HG_FIRMWARE_ERROR_UNSUPPORTED,  /* e.g. Secure Boot on a machine without SMM */
  HG_FIRMWARE_ERROR_FAILED,       /* the NVRAM file could not be made or copied */
} HgFirmwareError;

GQuark hg_firmware_error_quark (void);

typedef enum {
  HG_FIRMWARE_FEATURE_ACPI_S3         = 1 << 0,
  HG_FIRMWARE_FEATURE_ACPI_S4         = 1 << 1,
  HG_FIRMWARE_FEATURE_AMD_SEV         = 1 << 2,
  HG_FIRMWARE_FEATURE_AMD_SEV_ES      = 1 << 3,
  HG_FIRMWARE_FEATURE_ENROLLED_KEYS   = 1 << 4,
  HG_FIRMWARE_FEATURE_REQUIRES_SMM    = 1 << 5,
  HG_FIRMWARE_FEATURE_SECURE_BOOT     = 1 << 6,
  HG_FIRMWARE_FEATURE_VERBOSE_DYNAMIC = 1 << 7,
  HG_FIRMWARE_FEATURE_VERBOSE_STATIC  = 1 << 8,
} HgFirmwareFeatures;

typedef struct {
  char *arch;       /* QEMU target: x86_64, aarch64 ... */
  GStrv machines;   /* globs: pc-q35-*, virt-* */
} HgFirmwareTarget;

typedef struct {
  char      *path;             /* the descriptor file */
  char      *name;             /* its base name: the ordering key */
  char      *description;
  gboolean   uefi;             /* interface-types has "uefi" */
  gboolean   bios;             /* ... "bios" */
  char      *device;           /* mapping device: flash, memory, kernel */
  char      *executable;       /* flash: executable filename (absolute) */
  char      *executable_format;/* raw or qcow2 */
  char      *nvram_template;   /* flash: nvram-template filename, or NULL */
  char      *nvram_template_format;
  GPtrArray *targets;          /* HgFirmwareTarget* */
  guint      features;         /* HgFirmwareFeatures */
} HgFirmware;

void        hg_firmware_free         (HgFirmware *fw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgFirmware, hg_firmware_free)

/* Parses one descriptor (path names it in errors and becomes fw->path).
 * Checks the structure and the form of the paths, not the files. */
HgFirmware *hg_firmware_parse        (const char  *data,
                                      gssize       length,
                                      const char  *path,
                                      GError     **error);
/* The files a parsed descriptor names exist as regular files (symlinks
 * followed, the target in an allowed folder too). */
gboolean    hg_firmware_check_files  (const HgFirmware *fw,
                                      GError          **error);
/* Reads and checks one descriptor file */
HgFirmware *hg_firmware_load_file    (const char  *path,
                                      GError     **error);

/* The descriptor folders, highest priority first: $HANGAR_FIRMWARE_DIRS
 * (':'-separated, for tests) or the three of QEMU's spec. */
GStrv       hg_firmware_default_dirs (void);
/* Every usable descriptor of dirs (NULL: the default ones), ordered by
 * file name as the spec says; refused ones are skipped with g_message.
 * A GPtrArray of HgFirmware*. */
GPtrArray  *hg_firmware_load_all     (const char * const *dirs);

/* The descriptor targets arch and one of machines (a name and its
 * canonical form, e.g. "q35" and "pc-q35-7.2"; either may be NULL). */
gboolean    hg_firmware_matches      (const HgFirmware *fw,
                                      const char       *arch,
                                      const char       *machine,
                                      const char       *canonical);

/* The Debian package that provides UEFI firmware for arch, or NULL */
const char *hg_firmware_package      (const char *arch);

/* The descriptor for a VM of arch on machine (canonical: its versioned
 * name when known): UEFI flash firmware with a variables template; for
 * UEFI_SECURE one with secure-boot and enrolled-keys, for UEFI the first
 * without enrolled keys (preferring one without Secure Boot).  Errors:
 * NOT_FOUND names the package to install, UNSUPPORTED says why the
 * machine cannot take it (Secure Boot needing SMM on q35). */
const HgFirmware *hg_firmware_select (GPtrArray        *firmwares,
                                      HgFirmwareKind    kind,
                                      const char       *arch,
                                      const char       *machine,
                                      const char       *canonical,
                                      GError          **error);

/* The file in a VM's folder that holds its UEFI variables for a kind
 * ("nvram-uefi.qcow2", "nvram-uefi-secure.qcow2"), NULL for BIOS. */
const char *hg_firmware_nvram_name   (HgFirmwareKind kind);

/* Makes <vm_dir>/<hg_firmware_nvram_name (kind)> from the descriptor's
 * template unless it exists: `qemu-img convert -f FORMAT -O qcow2` into a
 * locked temporary file, then renamed into place.  Blocking (a worker
 * thread). */
gboolean    hg_firmware_ensure_nvram (const HgFirmware *fw,
                                      HgFirmwareKind    kind,
                                      const char       *vm_dir,
                                      const char       *qemu_img,
                                      GCancellable     *cancellable,
                                      GError          **error);

/* The firmware state of a VM that is not a disk: its NVRAM files and its
 * TPM state folder "tpm" (hg-swtpm.h); copied from one VM folder into
 * another (a clone), never through a symlink.  Blocking. */
gboolean    hg_firmware_copy_state   (const char    *src_dir,
                                      const char    *dest_dir,
                                      GCancellable  *cancellable,
                                      GError       **error);

G_END_DECLS
