/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hg-config-enum-types.h"
#include "hg-enums.h"

G_BEGIN_DECLS

#define HG_CONFIG_ERROR (hg_config_error_quark ())

typedef enum {
  HG_CONFIG_ERROR_IO,           /* file cannot be read or written */
  HG_CONFIG_ERROR_PARSE,        /* not a valid key file (syntax, encoding, size) */
  HG_CONFIG_ERROR_MISSING_KEY,  /* a required group or key is absent */
  HG_CONFIG_ERROR_INVALID_VALUE,/* a value is out of range or malformed */
  HG_CONFIG_ERROR_INVALID_LABEL,
} HgConfigError;

GQuark hg_config_error_quark (void);

/* File name extension of a VM config: <dir>/<label>.hangar */
#define HG_CONFIG_SUFFIX ".hangar"

/* A disk image: [disk:N] */
typedef struct {
  char *path;       /* as written; relative paths are relative to the VM dir */
  char *format;     /* qcow2, raw, vmdk, vdi, ... always explicit */
  char *interface;  /* virtio, ide, scsi, sd, none (arch default when NULL) */
  char *group;      /* key file group it was loaded from ("disk:0"), NULL when
                       new; kept by load/save so its unknown keys follow it */
  GStrv allow_backing; /* allow-backing: absolute files or folders outside the
                          VM's folder that the image's backing chain may use,
                          by the user's explicit choice; NULL: none */
} HgDisk;

/* Removable media: [cdrom:N], [floppy:N], [usb:N] */
typedef enum {
  HG_MEDIUM_CDROM, /*< nick=cdrom >*/
  HG_MEDIUM_FLOPPY, /*< nick=floppy >*/
  HG_MEDIUM_USB, /*< nick=usb >*/
} HgMediumKind;

typedef struct {
  HgMediumKind kind;
  char *path;       /* NULL or "" = empty drive (cdrom/floppy only) */
  char *format;     /* raw by default */
  char *group;      /* key file group it was loaded from, NULL when new */
} HgMedium;

/* A port forward of user-mode networking: host port -> guest port.  It
 * listens on 127.0.0.1 unless an address is given explicitly. */
#define HG_HOST_FWD_DEFAULT_ADDRESS "127.0.0.1"

typedef struct {
  char    *proto;   /* "tcp" or "udp" */
  char    *address; /* IPv4 address the host side listens on; NULL: 127.0.0.1 */
  guint16  host_port;
  guint16  guest_port;
  char    *name;    /* what it is for ("ssh"), NULL: none; never reaches QEMU */
} HgHostFwd;

/* A network interface: [net:N] */
typedef struct {
  HgNetMode  mode;
  char      *switch_name;  /* vde: name of a per-user switch (default "default") */
  char      *tap;          /* tap: interface name (hgtapN) */
  char      *mac;          /* 52:54:00:xx:xx:xx or any locally administered */
  char      *model;        /* virtio-net-pci, e1000, rtl8139, ne2k_pci, ... */
  gboolean   vdeq;         /* vde: wrap QEMU in vdeq (the manual's vdeqemu) */
  GPtrArray *hostfwd;      /* user: HgHostFwd* */
  char      *tftp;         /* user: folder served by QEMU's TFTP (PXE) */
  char      *bootfile;     /* user: boot file name offered by DHCP (PXE) */
  char      *group;        /* key file group it was loaded from, NULL when new */
} HgNic;

/* How a shared folder reaches the guest: [share:N] transport */
typedef enum {
  HG_SHARE_AUTO,      /* virtiofs where virtiofsd runs for this user, else 9p */
  HG_SHARE_VIRTIOFS,
  HG_SHARE_9P,
} HgShareTransport;

/* A host folder shared with the guest: [share:N] (hg-share.h) */
typedef struct {
  char             *path;      /* as written; relative to the VM dir if not absolute */
  char             *tag;       /* the mount tag: 1–36 of A–Z a–z 0–9 . _ - */
  gboolean          readonly;
  HgShareTransport  transport;
  char             *group;     /* key file group it was loaded from, NULL when new */
} HgShare;

typedef struct _HgVmConfig HgVmConfig;

struct _HgVmConfig {
  /*< private >*/
  gint       ref_count;
  GKeyFile  *keyfile;      /* NULL until needed: use hg_vm_config_get_keyfile() */
  char      *original;     /* the text as read, until keyfile is built from it */

  /*< public, read-write >*/
  char      *path;         /* absolute path of the .hangar file, or NULL */
  char      *dir;          /* directory of the VM */

  /* [machine] */
  char      *label;
  char      *uuid;
  char      *arch;         /* i386, x86_64, arm, aarch64, mips, mipsel, ppc, ppc64,
                              sh4, m68k, alpha, sparc, sparc64, riscv64 */
  char      *machine;      /* QEMU machine type, NULL = arch default */
  char      *cpu_model;    /* NULL = arch default */
  HgAccel    accel;
  guint      memory_mib;
  guint      cpus;
  char      *vga;          /* NULL = default; std, cirrus, virtio, none ... */
  HgFirmwareKind firmware; /* bios (default), uefi, uefi-secure (hg-firmware.h) */
  gboolean   tpm;          /* a TPM 2.0 through swtpm (hg-swtpm.h) */

  /* [guest]: metadata only */
  char      *os_id;        /* libosinfo short id or URI, e.g. debian12 */
  char      *os_name;      /* OS / DIST free text */
  char      *os_version;   /* OSREL / DISTREL */
  char      *os_family;    /* linux, windows, bsd ... */

  /* [disk:N], [cdrom:N] / [floppy:N] / [usb:N], [net:N] */
  GPtrArray *disks;        /* HgDisk* */
  GPtrArray *media;        /* HgMedium* */
  GPtrArray *nics;         /* HgNic* */
  GPtrArray *shares;       /* HgShare*: [share:N] */

  /* [boot] */
  HgBootMode boot_mode;
  char      *kernel;
  char      *initrd;
  char      *append;
  char      *dtb;

  /* [display] */
  HgConsole  console;
  char      *keymap;       /* e.g. en-us, de */

  /* [serial] */
  gboolean   serial;       /* a serial port on the console socket (default TRUE) */

  /*< private >*/
  char      *source;       /* the name used in messages (path_for_messages) */
};

GType        hg_vm_config_get_type    (void) G_GNUC_CONST;
#define HG_TYPE_VM_CONFIG (hg_vm_config_get_type ())

/* A new config with defaults: a random uuid, the host's arch, accel auto,
 * 512 MiB, 1 CPU, boot from disk, VNC console, serial on; no path (see
 * hg_vm_config_set_location).  label may be NULL until it is known. */
HgVmConfig  *hg_vm_config_new         (const char  *label);
HgVmConfig  *hg_vm_config_ref         (HgVmConfig  *self);
void         hg_vm_config_unref       (HgVmConfig  *self);

/* Loads and validates <path>.  Every error names the file, group and key.
 * The label must equal the file name without .hangar.  A file without a
 * uuid gets one derived from its absolute path (stable until it is moved;
 * written by the next save). */
HgVmConfig  *hg_vm_config_load        (const char  *path,
                                       GError     **error);
/* Same rules.  If path_for_messages ends in .hangar it also becomes
 * self->path (made absolute) and self->dir, and the label must match it;
 * otherwise path and dir stay NULL.  path_for_messages may be NULL. */
HgVmConfig  *hg_vm_config_load_from_data (const char *data,
                                       gsize        length,
                                       const char  *path_for_messages,
                                       GError     **error);
/* Checks every field; the same rules as load. */
gboolean     hg_vm_config_validate    (HgVmConfig  *self,
                                       GError     **error);
/* Everything as read (and as set since), so that unknown keys and comments
 * survive saves.  Built from the text read on first use: a library of
 * thousands of VMs keeps only the text of each. */
GKeyFile    *hg_vm_config_get_keyfile (HgVmConfig  *self);
/* Serialises into the retained key file (keeping unknown keys) */
char        *hg_vm_config_to_data     (HgVmConfig  *self,
                                       gsize       *length);
/* Atomic save: write temp, fsync, rename.  Uses self->path. */
gboolean     hg_vm_config_save        (HgVmConfig  *self,
                                       GError     **error);

/* Absolute path of a path stored in the config (relative to self->dir). */
char        *hg_vm_config_resolve_path(HgVmConfig  *self,
                                       const char  *path);

gboolean     hg_label_is_valid        (const char  *label,
                                       GError     **error);
/* Six hex bytes separated by ':' (either case), unicast, not all zero */
gboolean     hg_mac_is_valid          (const char  *mac);
/* A random locally administered unicast MAC, 52:54:00:xx:xx:xx */
char        *hg_mac_generate          (void);

HgDisk      *hg_disk_new              (const char *path, const char *format, const char *interface);
void         hg_disk_free             (HgDisk     *disk);
HgMedium    *hg_medium_new            (HgMediumKind kind, const char *path);
void         hg_medium_free           (HgMedium   *medium);
/* A new NIC with a generated MAC (hg_mac_generate) and, for vde, the switch
 * "default". */
HgNic       *hg_nic_new               (HgNetMode   mode);
void         hg_nic_free              (HgNic      *nic);
void         hg_host_fwd_free         (HgHostFwd  *fwd);
HgShare     *hg_share_new             (const char *path, const char *tag);
void         hg_share_free            (HgShare    *share);
/* "auto", "virtiofs", "9p"; NULL / FALSE for anything else */
const char  *hg_share_transport_to_string   (HgShareTransport transport);
gboolean     hg_share_transport_from_string (const char *str, HgShareTransport *out);
/* A mount tag: 1–36 (virtiofs's limit) of A–Z a–z 0–9 . _ -, not starting
 * with . or - */
gboolean     hg_share_tag_is_valid    (const char *tag);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgHostFwd, hg_host_fwd_free)
/* TRUE for a dotted-quad IPv4 address (the only form QEMU's hostfwd takes),
 * without leading zeros (which inet_aton would read as octal) */
gboolean     hg_host_fwd_address_is_valid (const char *address);
/* A forward's name: 1–64 bytes of UTF-8 without control characters and
 * without ; , = or \ (the hostfwd list's separators) */
gboolean     hg_host_fwd_name_is_valid (const char *name);
/* "tcp:2222-22", "tcp:0.0.0.0:2222-22" or "tcp:2222-22,name=ssh", the
 * [net:N] hostfwd syntax */
char        *hg_host_fwd_to_string    (const HgHostFwd *fwd);
HgHostFwd   *hg_host_fwd_copy         (const HgHostFwd *fwd);
/* TRUE if both would listen on the same host socket: same protocol and
 * port, and the same address or one of them 0.0.0.0 */
gboolean     hg_host_fwd_conflicts    (const HgHostFwd *a,
                                       const HgHostFwd *b);

/* First medium of a kind, or NULL */
HgMedium    *hg_vm_config_get_medium  (HgVmConfig *self, HgMediumKind kind);

/* Sets dir (made absolute) and path = <dir>/<label>.hangar, for a new VM. */
void         hg_vm_config_set_location (HgVmConfig *self, const char *dir);

/* The image formats a [disk:N] or medium may name, NULL-terminated:
 * qcow2 raw vmdk vdi vpc vhdx qed cow */
const char * const *hg_disk_formats   (void);
gboolean     hg_disk_format_is_known  (const char *format);
/* "cdrom", "floppy", "usb" (the nicks of HG_TYPE_MEDIUM_KIND): the group
 * prefix of a medium kind */
const char  *hg_medium_kind_to_string (HgMediumKind kind);

/* Limits checked on load and save */
#define HG_CONFIG_MAX_FILE_SIZE  (1024 * 1024)   /* bytes */
#define HG_CONFIG_MAX_VALUE_LEN  4096            /* bytes of one known value */
#define HG_CONFIG_MAX_MEMORY_MIB 1048576
#define HG_CONFIG_MAX_CPUS       1024

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgVmConfig, hg_vm_config_unref)

G_END_DECLS
