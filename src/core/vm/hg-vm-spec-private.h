/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-vm-spec.h"

G_BEGIN_DECLS

/* Calls go one way: hg-vm-spec.c (object, defaults, MACs, port forwards)
 * <- hg-vm-spec-validate.c (validation, config, argv) <- hg-vm-spec-create.c
 * (creation). */

struct _HgVmSpec {
  GObject          parent_instance;

  GStrv            bases;
  HgHostCaps      *caps;
  char            *uuid;          /* of the VM to be, stable for the summary */

  char            *base_dir;
  char            *folder;
  char            *label;
  char            *target_dir;

  HgInstallSource  source;
  char            *iso_path;
  char            *kernel_path;
  char            *initrd_path;
  char            *append;
  char            *image_path;
  HgImageMode      image_mode;
  char            *image_format;
  gboolean         copy_in;

  char            *os_id;
  char            *os_name;
  char            *os_version;
  char            *os_family;
  gboolean         os_detected;
  HgOsInfo        *os;            /* applied recommendation, or NULL */

  char            *arch;
  HgAccel          accel;
  char            *machine;
  char            *cpu_model;

  guint            memory_mib;
  gboolean         memory_explicit;
  guint            cpus;
  guint            host_memory_mib;
  guint            host_cpus;

  gboolean         new_disk;
  guint64          disk_size;
  gboolean         disk_size_explicit;
  char            *disk_bus;

  HgNetMode        net_mode;
  char            *switch_name;
  char            *tap;
  char            *mac;
  char            *nic_model;
  GPtrArray       *forwards;      /* char* as given ("tcp:8080:80") */

  HgConsole        console;
  char            *keymap;

  HgFirmwareKind   firmware;
  gboolean         tpm;

  HgBootMode       boot_mode;
  gboolean         boot_mode_explicit;

  gboolean         busy;
  double           progress;
  char            *progress_text;

  HgVmSpecCreateHook create_hook;
  gpointer         create_hook_data;
  GDestroyNotify   create_hook_destroy;

  GHashTable      *library_macs;  /* lower-case MAC -> config path; NULL until scanned */
  char            *image_key;     /* path + mtime + size the cache below is for */
  HgDiskImageInfo *image_info;
  GError          *image_error;
};

enum {
  HG_VM_SPEC_PROP_0,
  HG_VM_SPEC_PROP_BASES,
  HG_VM_SPEC_PROP_HOST_CAPS,
  HG_VM_SPEC_PROP_BASE_DIR,
  HG_VM_SPEC_PROP_FOLDER,
  HG_VM_SPEC_PROP_LABEL,
  HG_VM_SPEC_PROP_TARGET_DIR,
  HG_VM_SPEC_PROP_SOURCE,
  HG_VM_SPEC_PROP_ISO_PATH,
  HG_VM_SPEC_PROP_KERNEL_PATH,
  HG_VM_SPEC_PROP_INITRD_PATH,
  HG_VM_SPEC_PROP_APPEND,
  HG_VM_SPEC_PROP_IMAGE_PATH,
  HG_VM_SPEC_PROP_IMAGE_MODE,
  HG_VM_SPEC_PROP_IMAGE_FORMAT,
  HG_VM_SPEC_PROP_COPY_IN,
  HG_VM_SPEC_PROP_OS_ID,
  HG_VM_SPEC_PROP_OS_NAME,
  HG_VM_SPEC_PROP_OS_VERSION,
  HG_VM_SPEC_PROP_OS_FAMILY,
  HG_VM_SPEC_PROP_OS_DETECTED,
  HG_VM_SPEC_PROP_ARCH,
  HG_VM_SPEC_PROP_ACCEL,
  HG_VM_SPEC_PROP_MACHINE,
  HG_VM_SPEC_PROP_CPU_MODEL,
  HG_VM_SPEC_PROP_MEMORY_MIB,
  HG_VM_SPEC_PROP_CPUS,
  HG_VM_SPEC_PROP_HOST_MEMORY_MIB,
  HG_VM_SPEC_PROP_HOST_CPUS,
  HG_VM_SPEC_PROP_NEW_DISK,
  HG_VM_SPEC_PROP_DISK_SIZE,
  HG_VM_SPEC_PROP_DISK_BUS,
  HG_VM_SPEC_PROP_FREE_SPACE,
  HG_VM_SPEC_PROP_NET_MODE,
  HG_VM_SPEC_PROP_SWITCH_NAME,
  HG_VM_SPEC_PROP_TAP,
  HG_VM_SPEC_PROP_MAC,
  HG_VM_SPEC_PROP_NIC_MODEL,
  HG_VM_SPEC_PROP_PORT_FORWARDS,
  HG_VM_SPEC_PROP_CONSOLE,
  HG_VM_SPEC_PROP_KEYMAP,
  HG_VM_SPEC_PROP_FIRMWARE,
  HG_VM_SPEC_PROP_TPM,
  HG_VM_SPEC_PROP_BOOT_MODE,
  HG_VM_SPEC_PROP_BUSY,
  HG_VM_SPEC_PROP_PROGRESS,
  HG_VM_SPEC_PROP_PROGRESS_TEXT,
  HG_VM_SPEC_N_PROPS
};

extern GParamSpec *_hg_vm_spec_properties[HG_VM_SPEC_N_PROPS];

#define HG_VM_SPEC_DEFAULT_MEMORY_MIB  1024
#define HG_VM_SPEC_KERNEL_MEMORY_MIB   512
#define HG_VM_SPEC_DEFAULT_DISK_BYTES  (G_GUINT64_CONSTANT (8) << 30)
#define HG_VM_SPEC_MIN_DISK_BYTES      (G_GUINT64_CONSTANT (1) << 20)

/* hg-vm-spec.c */
void        _hg_vm_spec_set_busy        (HgVmSpec *self, gboolean busy);
void        _hg_vm_spec_set_progress    (HgVmSpec *self, double fraction, const char *text);
/* base-dir or bases[0], made absolute */
char       *_hg_vm_spec_dup_base        (HgVmSpec *self);
/* base/folder: where the VM directory goes */
char       *_hg_vm_spec_dup_parent      (HgVmSpec *self);
/* The library's MACs (scanned once) */
GHashTable *_hg_vm_spec_library_macs    (HgVmSpec *self);
gboolean    _hg_vm_spec_folder_is_valid (const char *folder);
/* "[tcp:|udp:][ADDRESS:]HOST:GUEST" (also QEMU's HOST-:GUEST) -> a forward,
 * address NULL (loopback) unless given; NULL + HG_VM_SPEC_ERROR_FORWARD */
HgHostFwd  *_hg_vm_spec_parse_forward   (const char *text, GError **error);
/* the normalised text of a forward: "tcp:2222:22", "tcp:0.0.0.0:2222:22" */
char       *_hg_vm_spec_format_forward  (const HgHostFwd *fwd);

/* hg-vm-spec-validate.c */
/* The existing image in use (source existing-disk, or new-disk off) */
gboolean    _hg_vm_spec_uses_image      (HgVmSpec *self);
gboolean    _hg_vm_spec_uses_new_disk   (HgVmSpec *self);
gboolean    _hg_vm_spec_uses_iso        (HgVmSpec *self);
gboolean    _hg_vm_spec_uses_kernel     (HgVmSpec *self);
/* Inspection of image-path, cached per path/mtime/size */
HgDiskImageInfo *_hg_vm_spec_inspect_image (HgVmSpec *self, GError **error);
/* The file name a disk/kernel/... gets in the VM directory */
char       *_hg_vm_spec_disk_file_name  (HgVmSpec *self);

G_END_DECLS
