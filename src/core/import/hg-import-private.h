/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-import.h"

G_BEGIN_DECLS

/* Shared by hg-import.c (entry points, paths, writing, report),
 * hg-import-xml.c (a small GMarkup tree), and the importers
 * hg-import-libvirt.c, hg-import-quickemu.c, hg-import-ovf.c (with the OVA
 * tar reader), hg-import-vmx.c. */

/* Where a disk of the config comes from, one per config->disks */
typedef struct {
  char    *source;        /* absolute path of the original image (or the OVA) */
  char    *format;        /* its format */
  char    *name;          /* file name for a copy in the VM's folder */
  gboolean must_convert;  /* an OVF/OVA VMDK: converted whatever the mode */
  gboolean in_tar;        /* a member of the OVA source: */
  guint64  tar_offset;    /*   its data */
  guint64  tar_size;
  char    *checksum_type; /* "SHA1" / "SHA256" of the manifest, or NULL */
  char    *checksum;      /* its lower-case hex digest */
} HgImportDisk;

/* Brings an OVA member to dest (checking its manifest digest), or checks
 * the digest of a disk beside an OVF: set by the OVF importer. */
typedef gboolean (*HgImportFetch) (HgImport      *self,
                                   HgImportDisk  *disk,
                                   const char    *dest,
                                   GCancellable  *cancellable,
                                   GError       **error);

struct _HgImport {
  HgImportFormat format;
  char       *path;       /* absolute */
  char       *display;    /* as given, for messages */
  char       *dir;        /* the import folder: the file's */
  char       *switch_name;
  HgVmConfig *config;
  GPtrArray  *disks;      /* HgImportDisk*, parallel to config->disks */
  GPtrArray  *notes;      /* HgCtysNote* */
  HgImportFetch extract;  /* in_tar disks: the member to dest */
  HgImportFetch verify;   /* disks with a checksum: dest NULL */
};

void      _hg_import_disk_free (HgImportDisk *disk);

/* Notes of the report: taken over (INFO) or not (UNMAPPED) */
void      _hg_import_took      (HgImport   *self,
                                guint       line,
                                const char *key,
                                const char *value,
                                const char *format,
                                ...) G_GNUC_PRINTF (5, 6);
void      _hg_import_skipped   (HgImport   *self,
                                guint       line,
                                const char *key,
                                const char *value,
                                const char *format,
                                ...) G_GNUC_PRINTF (5, 6);

/* Reads a whole file of at most HG_IMPORT_MAX_SIZE bytes of UTF-8 text
 * without NUL bytes; errors name the file. */
char     *_hg_import_read_text (const char *path,
                                gsize      *out_len,
                                GError    **error);
/* The same checks for text already in memory (an OVA member) */
gboolean  _hg_import_check_text (const char *display,
                                 const char *data,
                                 gsize       len,
                                 GError    **error);

/* A disk or medium path named by the file: relative ones are relative to
 * the import folder.  Refused (UNSAFE, naming the line and the path): a
 * ".." component, and, unless absolute_ok, an absolute path or one that
 * (symlinks followed) leaves the import folder.  Returns the absolute
 * path. */
char     *_hg_import_resolve   (HgImport    *self,
                                guint        line,
                                const char  *what,
                                const char  *path,
                                gboolean     absolute_ok,
                                GError     **error);

/* Adds a disk of the config and its source (takes ownership of neither
 * string copy: copies them).  Returns the new HgImportDisk. */
HgImportDisk *_hg_import_add_disk (HgImport   *self,
                                   const char *abs_path,
                                   const char *format,
                                   const char *interface);

/* The label from a name of the file (anything else than A-Z a-z 0-9 . _ -
 * becomes "-"), or the file's base name */
char     *_hg_import_label_from (const char *name, const char *path);

/* libosinfo's short id for id (as it is, or without a "-64" / "_64"
 * suffix) when libosinfo knows it, else NULL */
char     *_hg_import_osinfo_id (const char *id);

/* ---- a small XML tree (hg-import-xml.c) ---------------------------------- */

typedef struct _HgXmlNode HgXmlNode;
struct _HgXmlNode {
  char       *name;     /* without its namespace prefix */
  char      **attr_names;  /* without prefixes */
  char      **attr_values;
  GString    *text;
  guint       line;
  HgXmlNode  *parent;
  GPtrArray  *children; /* HgXmlNode* */
};

/* Parses XML text: no DOCTYPE, no entity other than XML's five, at most
 * HG_IMPORT_MAX_XML_DEPTH levels and HG_IMPORT_MAX_XML_NODES elements.
 * Errors (PARSE / UNSAFE / TOO_LARGE) name display and the line. */
HgXmlNode  *_hg_xml_parse        (const char  *display,
                                  const char  *data,
                                  gsize        len,
                                  GError     **error);
void        _hg_xml_node_free    (HgXmlNode   *node);
/* First child of that name, or NULL */
HgXmlNode  *_hg_xml_child        (HgXmlNode   *node,
                                  const char  *name);
/* A child's path "os/type", or NULL */
HgXmlNode  *_hg_xml_find         (HgXmlNode   *node,
                                  const char  *path);
/* Attribute without prefix, or NULL */
const char *_hg_xml_attr         (HgXmlNode   *node,
                                  const char  *name);
/* Stripped text of the node ("" if none); NULL node -> NULL */
const char *_hg_xml_text         (HgXmlNode   *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgXmlNode, _hg_xml_node_free)

/* ---- the importers: fill self->config, self->disks, self->notes -------- */

gboolean _hg_import_libvirt  (HgImport *self, const char *data, gsize len, GError **error);
gboolean _hg_import_quickemu (HgImport *self, const char *data, gsize len, GError **error);
gboolean _hg_import_ovf      (HgImport *self, GError **error);  /* .ovf or .ova */
gboolean _hg_import_vmx      (HgImport *self, const char *data, gsize len, GError **error);

G_END_DECLS
