/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-disk-image.h"
#include "hg-enums.h"
#include "hg-host.h"
#include "hg-osinfo.h"
#include "hg-vm-config.h"
#include "hg-vm-enum-types.h"

G_BEGIN_DECLS

/*
 * HgVmSpec — the model of a VM still to be created: every choice of the
 * creation assistant (and of `hangarctl create`, ctys --auto-all) as a
 * notify-able GObject property, so that assistant pages can bind to it
 * (g_object_bind_property / bind-source, bidirectional|sync-create).
 *
 *   spec = hg_vm_spec_new (bases, caps);      defaults as --auto-all
 *   g_object_set (spec, "label", "web", ...);
 *   hg_vm_spec_validate_page (spec, HG_VM_SPEC_PAGE_NAME, &error)
 *     -> gtk_assistant_set_page_complete; error->message shown inline,
 *        hg_vm_spec_error_get_property (error) names the property at fault
 *   hg_vm_spec_get_argv (spec, boot, &error)  for the summary page
 *   hg_vm_spec_create_async (spec, cancellable, cb, data) -> Finish
 *
 * The spec never touches the disk except to read (validation: stat of the
 * ISO and its "CD001" signature, qemu-img info of an existing image —
 * cached per path/mtime/size, free space of the target filesystem, the
 * library for taken labels and MACs) until hg_vm_spec_create_async().
 *
 * Every property notifies only on a real change (G_PARAM_EXPLICIT_NOTIFY).
 * Strings: NULL and "" both mean "not set".
 *
 * Properties (read-write unless noted):
 *  Name and location (HG_VM_SPEC_PAGE_NAME)
 *   "bases"          GStrv     construct-only: the library's base dirs
 *                              (labels and MACs must be unique in them)
 *   "host-caps"      gpointer  construct-only HgHostCaps* (ref taken)
 *   "base-dir"       char*     the base to create in (default: bases[0])
 *   "folder"         char*     sub-folder of base-dir ("" = directly in it)
 *   "label"          char*     the VM's name (A-Z a-z 0-9 . _ -)
 *   "target-dir"     char*     read-only: base-dir/folder/label
 *  Install source (HG_VM_SPEC_PAGE_SOURCE)
 *   "source"         HgInstallSource  default HG_INSTALL_SOURCE_NONE
 *   "iso-path"       char*     ISO image (source iso)
 *   "kernel-path"    char*     kernel (source kernel)
 *   "initrd-path"    char*     initrd, optional (source kernel)
 *   "append"         char*     kernel command line (source kernel)
 *   "image-path"     char*     existing disk image (source existing-disk)
 *   "image-mode"     HgImageMode  in-place (default) | copy | convert
 *   "image-format"   char*     read-only: the format qemu-img found, after
 *                              a successful validation of the source page
 *   "copy-in"        gboolean  copy kernel/initrd/ISO into the VM folder
 *   Which files are used: the ISO when iso-path is set and source is iso
 *   (or kernel: an install kernel with its medium); kernel/initrd/append
 *   when source is kernel; the existing image when image-path is set and
 *   source is existing-disk or new-disk is FALSE (an ISO install onto an
 *   existing disk).  Everything else is ignored, so switching the source
 *   back and forth loses nothing.
 *  Operating system (HG_VM_SPEC_PAGE_OS)
 *   "os-id"          char*     libosinfo short id (debian12) or NULL = other
 *   "os-name"        char*     "Debian 12"
 *   "os-version"     char*     "12"
 *   "os-family"      char*     "linux" ...
 *   "os-detected"    gboolean  read-only: os-* came from the ISO
 *  Architecture and accelerator (HG_VM_SPEC_PAGE_ARCH)
 *   "arch"           char*     default: the host's
 *   "accel"          HgAccel   default HG_ACCEL_AUTO
 *   "machine"        char*     NULL = the arch's default
 *   "cpu-model"      char*     NULL = the arch's default
 *  Memory and CPUs (HG_VM_SPEC_PAGE_MEMORY)
 *   "memory-mib"     guint     default 1024 (512 for kernel boot), or the OS's
 *   "cpus"           guint     default 1, or the OS's recommendation
 *   "host-memory-mib" guint    read-only: the bound
 *   "host-cpus"      guint     read-only
 *  Disk (HG_VM_SPEC_PAGE_DISK)
 *   "new-disk"       gboolean  create a new qcow2 (default TRUE; ignored
 *                              when source is existing-disk: that image is
 *                              the disk)
 *   "disk-size"      guint64   bytes of the new disk (default 8 GiB, or the
 *                              OS's recommendation)
 *   "disk-bus"       char*     virtio, ide, scsi, sd ... NULL = arch default
 *   "free-space"     guint64   read-only: bytes free where the VM goes
 *  Network (HG_VM_SPEC_PAGE_NETWORK)
 *   "net-mode"       HgNetMode default HG_NET_USER (vde|user|none; tap too)
 *   "switch-name"    char*     vde switch (default "default")
 *   "tap"            char*     tap interface (net-mode tap)
 *   "mac"            char*     default: generated, locally administered,
 *                              unique in the library
 *   "nic-model"      char*     NULL = arch default (or the OS's)
 *   "port-forwards"  GStrv     user mode: "tcp:HOST:GUEST" / "udp:HOST:GUEST"
 *  Console (HG_VM_SPEC_PAGE_CONSOLE)
 *   "console"        HgConsole default HG_CONSOLE_VNC
 *   "keymap"         char*     VNC keymap or NULL
 *  Firmware
 *   "firmware"       HgFirmwareKind default HG_FIRMWARE_BIOS (uefi,
 *                              uefi-secure: from QEMU's descriptors)
 *   "tpm"            gboolean  a TPM 2.0 through swtpm (default FALSE)
 *  Summary / boot
 *   "boot-mode"      HgBootMode  the VM's default boot; follows "source"
 *                              (iso -> cdrom, pxe -> pxe, kernel -> kernel,
 *                              else disk) until set explicitly
 *  Creation (read-only)
 *   "busy"           gboolean  a creation runs
 *   "progress"       double    0..1 of the running creation (-1 = unknown)
 *   "progress-text"  char*     what it does now ("Converting disk.qcow2")
 *
 * Notifications (and the progress ones) are emitted in the thread-default
 * main context the spec was created in.
 */

#define HG_VM_SPEC_ERROR (hg_vm_spec_error_quark ())

/* One code per field, so a page can show the message beside it. */
typedef enum {
  HG_VM_SPEC_ERROR_LABEL,       /* invalid, or taken in the library */
  HG_VM_SPEC_ERROR_LOCATION,    /* folder (the base: HG_VM_SPEC_ERROR_BASE_DIR) */
  HG_VM_SPEC_ERROR_SOURCE,      /* source kind inconsistent */
  HG_VM_SPEC_ERROR_ISO,         /* missing, unreadable, not ISO 9660 */
  HG_VM_SPEC_ERROR_KERNEL,      /* kernel missing/unreadable */
  HG_VM_SPEC_ERROR_IMAGE,       /* existing image missing, unknown format,
                                   hostile backing file */
  HG_VM_SPEC_ERROR_OS,
  HG_VM_SPEC_ERROR_ARCH,        /* unknown, or no emulator installed for it */
  HG_VM_SPEC_ERROR_ACCEL,       /* kvm asked where it does not work */
  HG_VM_SPEC_ERROR_MEMORY,      /* 0 or beyond the host */
  HG_VM_SPEC_ERROR_CPUS,
  HG_VM_SPEC_ERROR_DISK_SIZE,   /* 0, or beyond the free space */
  HG_VM_SPEC_ERROR_DISK_BUS,
  HG_VM_SPEC_ERROR_NETWORK,     /* the mode */
  HG_VM_SPEC_ERROR_MAC,         /* invalid, multicast, or used in the library */
  HG_VM_SPEC_ERROR_FORWARD,     /* a port forward */
  HG_VM_SPEC_ERROR_CONSOLE,
  HG_VM_SPEC_ERROR_BUSY,        /* a creation runs already */
  HG_VM_SPEC_ERROR_FAILED,      /* creation failed (message says why) */
  HG_VM_SPEC_ERROR_BASE_DIR,    /* none, not a folder, not writable */
  HG_VM_SPEC_ERROR_INITRD,      /* initrd missing/unreadable */
  HG_VM_SPEC_ERROR_APPEND,      /* kernel command line */
  HG_VM_SPEC_ERROR_MACHINE,
  HG_VM_SPEC_ERROR_CPU_MODEL,
  HG_VM_SPEC_ERROR_SWITCH,
  HG_VM_SPEC_ERROR_TAP,
  HG_VM_SPEC_ERROR_NIC_MODEL,
  HG_VM_SPEC_ERROR_KEYMAP,
} HgVmSpecError;

GQuark hg_vm_spec_error_quark (void);

/* The property a HG_VM_SPEC_ERROR is about ("label", "iso-path", "mac" ...),
 * or NULL for another error. */
const char *hg_vm_spec_error_get_property (const GError *error);

typedef enum {
  HG_VM_SPEC_PAGE_NAME, /*< nick=name >*/
  HG_VM_SPEC_PAGE_SOURCE, /*< nick=source >*/
  HG_VM_SPEC_PAGE_OS, /*< nick=os >*/
  HG_VM_SPEC_PAGE_ARCH, /*< nick=arch >*/
  HG_VM_SPEC_PAGE_MEMORY, /*< nick=memory >*/
  HG_VM_SPEC_PAGE_DISK, /*< nick=disk >*/
  HG_VM_SPEC_PAGE_NETWORK, /*< nick=network >*/
  HG_VM_SPEC_PAGE_CONSOLE, /*< nick=console >*/
  HG_VM_SPEC_PAGE_SUMMARY, /*< nick=summary >*/ /* = hg_vm_spec_validate (everything) */
} HgVmSpecPage;


typedef enum {
  HG_INSTALL_SOURCE_ISO, /*< nick=iso >*/
  HG_INSTALL_SOURCE_PXE, /*< nick=pxe >*/
  HG_INSTALL_SOURCE_KERNEL, /*< nick=kernel >*/
  HG_INSTALL_SOURCE_EXISTING_DISK, /*< nick=existing-disk >*/
  HG_INSTALL_SOURCE_NONE, /*< nick=none >*/
} HgInstallSource;

/* The nicks of HG_TYPE_INSTALL_SOURCE: "iso", "pxe", "kernel",
 * "existing-disk", "none" */
const char *hg_install_source_to_string   (HgInstallSource source);
gboolean    hg_install_source_from_string (const char *str, HgInstallSource *out);

/* HgImageMode (in-place | copy | convert) is in hg-disk-image.h. */

#define HG_TYPE_VM_SPEC (hg_vm_spec_get_type ())
G_DECLARE_FINAL_TYPE (HgVmSpec, hg_vm_spec, HG, VM_SPEC, GObject)

/* Defaults as the manual's --auto-all: host arch, accel auto, 1024 MiB,
 * 1 CPU, a new 8 GiB qcow2, user-mode network with a generated MAC, VNC.
 * bases: the library (NULL = hg_library_configured_bases ()).
 * caps: the host (NULL = hg_host_caps_probe (), which may take a moment). */
HgVmSpec   *hg_vm_spec_new              (const char * const *bases,
                                         HgHostCaps         *caps);

HgHostCaps *hg_vm_spec_get_host_caps    (HgVmSpec *self);

/* Checks the fields of one page; the first problem found, in
 * HG_VM_SPEC_ERROR with the code of the field and a translated message
 * naming it ("Label: a VM named “web” exists already: /…/web.hangar"). */
gboolean    hg_vm_spec_validate_page    (HgVmSpec     *self,
                                         HgVmSpecPage  page,
                                         GError      **error);
/* Every page, then the config and its command line. */
gboolean    hg_vm_spec_validate         (HgVmSpec     *self,
                                         GError      **error);

/* Not errors: sensible-value hints for a page ("More than 2 CPUs than the
 * host has", "Memory above half of the host's"), or NULL. */
char       *hg_vm_spec_get_warning      (HgVmSpec     *self,
                                         HgVmSpecPage  page);

/* The config that creation will write (dir/path = target-dir; disk and
 * media paths as they will be after creation).  Validates first. */
HgVmConfig *hg_vm_spec_to_config        (HgVmSpec     *self,
                                         GError      **error);
/* The exact QEMU argv for the summary page (hg_cmdline_build on the
 * config above, the runtime paths it will have), for boot_mode
 * (use the "boot-mode" property for the default).  Render it with
 * hg_cmdline_to_display(). */
char      **hg_vm_spec_get_argv         (HgVmSpec     *self,
                                         HgBootMode    boot_mode,
                                         GError      **error);

/* OS: applies a libosinfo entry (os-id/name/version/family, and its
 * recommended memory, CPUs, disk size, disk bus and NIC model, bounded by
 * the host).  os NULL = "other" (clears os-*, keeps the rest). */
void        hg_vm_spec_apply_os         (HgVmSpec     *self,
                                         HgOsInfo     *os);
/* Detects the OS of "iso-path" in a thread (hg_osinfo_detect_iso) and
 * applies it on success; finishes with the HgOsInfo (or NULL + error,
 * HG_OSINFO_ERROR_UNKNOWN when libosinfo does not know the medium). */
void        hg_vm_spec_detect_os_async  (HgVmSpec            *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
HgOsInfo   *hg_vm_spec_detect_os_finish (HgVmSpec            *self,
                                         GAsyncResult        *result,
                                         GError             **error);

/* A new MAC: locally administered unicast, 52:54:00:xx:xx:xx, used by no
 * VM of the library; sets "mac" and returns it (owned by the spec). */
const char *hg_vm_spec_generate_mac     (HgVmSpec     *self);

/* Port forwards (user mode).  spec: "[tcp:|udp:]HOST:GUEST" with ports
 * 1-65535; a host port may be forwarded once per protocol. */
gboolean    hg_vm_spec_add_port_forward    (HgVmSpec   *self,
                                            const char *spec,
                                            GError    **error);
void        hg_vm_spec_remove_port_forward (HgVmSpec   *self,
                                            guint       index);
void        hg_vm_spec_clear_port_forwards (HgVmSpec   *self);

/* Creation will run qemu-img (a new disk, an image to inspect/convert). */
gboolean    hg_vm_spec_needs_qemu_img   (HgVmSpec *self);

/* Property getters for the common ones (setters: g_object_set). */
const char *hg_vm_spec_get_label        (HgVmSpec *self);
const char *hg_vm_spec_get_target_dir   (HgVmSpec *self);
HgInstallSource hg_vm_spec_get_source   (HgVmSpec *self);
const char *hg_vm_spec_get_arch         (HgVmSpec *self);
guint       hg_vm_spec_get_memory_mib   (HgVmSpec *self);
guint64     hg_vm_spec_get_disk_size    (HgVmSpec *self);
const char *hg_vm_spec_get_mac          (HgVmSpec *self);
HgBootMode  hg_vm_spec_get_boot_mode    (HgVmSpec *self);
gboolean    hg_vm_spec_get_busy         (HgVmSpec *self);
double      hg_vm_spec_get_progress     (HgVmSpec *self);

/* A last step of creation, run in a worker thread after the disks are
 * made and before the config is written: it may add files to tmp_dir (the
 * VM's folder to be) and change config (paths relative to the VM's
 * folder).  A failure fails the creation, and everything is removed. */
typedef gboolean (*HgVmSpecCreateHook) (HgVmSpec      *spec,
                                        HgVmConfig    *config,
                                        const char    *tmp_dir,
                                        gpointer       user_data,
                                        GCancellable  *cancellable,
                                        GError       **error);
void        hg_vm_spec_set_create_hook  (HgVmSpec           *self,
                                         HgVmSpecCreateHook  hook,
                                         gpointer            user_data,
                                         GDestroyNotify      destroy);

/* Creates the VM atomically: validates, builds it in
 * <parent>/.<label>.tmp-XXXXXX (new qcow2 / copy / qemu-img convert of the
 * image with progress, config written last), then renames the folder into
 * place (never replacing anything).  On failure or cancel everything made
 * is removed (folders created for it too) and nothing is left.  Progress
 * through "progress"/"progress-text" and, if given, progress_func (called
 * in the caller's main context).  The spec is "busy" meanwhile and must
 * not be changed.  Finishes with the config of the new VM (path set). */
typedef void (*HgVmSpecProgressFunc) (HgVmSpec   *spec,
                                      double      fraction,  /* 0..1, -1 unknown */
                                      const char *what,
                                      gpointer    user_data);

void        hg_vm_spec_create_async     (HgVmSpec             *self,
                                         HgVmSpecProgressFunc  progress_func,
                                         gpointer              progress_data,
                                         GDestroyNotify        progress_destroy,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
HgVmConfig *hg_vm_spec_create_finish    (HgVmSpec             *self,
                                         GAsyncResult         *result,
                                         GError              **error);

G_END_DECLS
