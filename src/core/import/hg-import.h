/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-ctys.h"
#include "hg-disk-image.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

/* Import of VMs of other managers: libvirt domain XML (a file or the output
 * of `virsh dumpxml`), quickemu .conf, OVF / OVA, VMware .vmx.  (ctys files
 * have their own importer, hg-ctys.h; hg_import_detect_format knows them.)
 *
 * Nothing in a file is ever run or sourced; XML is read with GMarkup and a
 * DOCTYPE or entity is refused outright.  Each importer maps what Hangar has
 * a place for into an HgVmConfig and notes, in the ctys importer's report
 * type (HgCtysNote), what was taken over and what was not, and why.  The
 * disks are linked in place, copied or converted to qcow2 when the VM is
 * written (hg_import_write), each checked as a start checks it first; the
 * originals are never changed. */

#define HG_IMPORT_ERROR (hg_import_error_quark ())

typedef enum {
  HG_IMPORT_ERROR_IO,          /* cannot read the file, or write the VM */
  HG_IMPORT_ERROR_TOO_LARGE,   /* the file (or an OVA member) passes a bound */
  HG_IMPORT_ERROR_PARSE,       /* malformed XML / line (names the line) */
  HG_IMPORT_ERROR_UNSAFE,      /* DOCTYPE/entities, a path leaving the import folder, ".." */
  HG_IMPORT_ERROR_UNSUPPORTED, /* e.g. an OVA disk that is not a VMDK */
  HG_IMPORT_ERROR_CHECKSUM,    /* an OVA/OVF manifest checksum does not match */
  HG_IMPORT_ERROR_FORMAT,      /* the format cannot be told, or is not this one */
  HG_IMPORT_ERROR_EXISTS,      /* the VM exists already */
} HgImportError;

GQuark hg_import_error_quark (void);

/* Size bounds of what is read into memory */
#define HG_IMPORT_MAX_SIZE      (1024 * 1024)  /* a .xml/.conf/.vmx/.ovf/.mf */
#define HG_IMPORT_MAX_LINES     20000
#define HG_IMPORT_MAX_XML_DEPTH 64
#define HG_IMPORT_MAX_XML_NODES 50000

typedef enum {
  HG_IMPORT_FORMAT_AUTO,
  HG_IMPORT_FORMAT_CTYS,
  HG_IMPORT_FORMAT_LIBVIRT,
  HG_IMPORT_FORMAT_QUICKEMU,
  HG_IMPORT_FORMAT_OVF,
  HG_IMPORT_FORMAT_OVA,
  HG_IMPORT_FORMAT_VMX,
} HgImportFormat;

/* "ctys", "libvirt", "quickemu", "ovf", "ova", "vmx" (and "auto") */
const char *hg_import_format_to_string   (HgImportFormat format);
gboolean    hg_import_format_from_string (const char *str, HgImportFormat *out);
/* By content first (a tar header, <domain, <Envelope, KEY="value" lines
 * of quickemu or VMware), then by the name's extension.  FORMAT error
 * naming the file when neither tells. */
HgImportFormat hg_import_detect_format   (const char *path, GError **error);

typedef enum {
  HG_IMPORT_DISKS_LINK,     /* use the images where they are (default) */
  HG_IMPORT_DISKS_COPY,     /* copy them into the VM's folder */
  HG_IMPORT_DISKS_CONVERT,  /* convert them to qcow2 in the VM's folder */
} HgImportDisks;

/* "link", "copy", "convert" */
const char *hg_import_disks_to_string   (HgImportDisks mode);
gboolean    hg_import_disks_from_string (const char *str, HgImportDisks *out);

typedef struct _HgImport HgImport;

/* Reads and maps a file (format AUTO: detected).  switch_name: NICs on a
 * libvirt network go to this VDE switch instead of user-mode networking
 * (NULL: user-mode).  A ctys file is refused here (FORMAT): use hg-ctys.h. */
HgImport     *hg_import_open          (const char      *path,
                                       HgImportFormat   format,
                                       const char      *switch_name,
                                       GError         **error);
void          hg_import_free          (HgImport        *self);

HgImportFormat hg_import_get_format   (HgImport        *self);
/* The mapped VM (owned by the import): disk paths are the absolute paths
 * of the originals until written. */
HgVmConfig   *hg_import_get_config    (HgImport        *self);
const char   *hg_import_get_label     (HgImport        *self);
gboolean      hg_import_set_label     (HgImport        *self,
                                       const char      *label,
                                       GError         **error);
/* The file's UUID is already a VM's (taken_by names it, e.g. the same file
 * imported twice): the import gets a new random one, and the report says
 * so. */
void          hg_import_renew_uuid    (HgImport        *self,
                                       const char      *taken_by);
/* HgCtysNote*, in file order: INFO = taken over, UNMAPPED = not taken over */
GPtrArray    *hg_import_get_notes     (HgImport        *self);

/* Writes <base>/<label>/<label>.hangar with the disks linked, copied or
 * converted (an OVA's disks, and an OVF's streamOptimized VMDKs, are always
 * converted).  The directory is built hidden and locked and renamed into
 * place when complete: a failure or cancel leaves nothing behind.  Each
 * image is checked (hg_disk_image_check) before it is used.  Blocking; the
 * copies and conversions run in a main context of their own, progress
 * (0..1 per disk, may be NULL) is called in the calling thread. */
gboolean      hg_import_write         (HgImport        *self,
                                       const char      *base_dir,
                                       HgImportDisks    disks,
                                       HgDiskImageProgress progress,
                                       gpointer         progress_data,
                                       GCancellable    *cancellable,
                                       char           **out_config_path,
                                       GError         **error);

/* What was taken over and what not, and why (for hangarctl and the window) */
char         *hg_import_format_report (HgImport        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgImport, hg_import_free)

G_END_DECLS
