/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hg-vm-config.h"

G_BEGIN_DECLS

/* Import of ctys `.ctys` configuration files (the bash fragments that the
 * ctys-QEMU wrapper scripts source) into a Hangar VM.
 *
 * Nothing in the file is ever executed: the file is read as a list of
 * shell-style assignments (KEY=VALUE, export KEY=VALUE, quotes, backslash
 * escapes, comments).  ${VAR}, $VAR and ${VAR:-default} are resolved only
 * from variables assigned earlier in the same file; $(...) and `...` are kept
 * literally.  Everything the import could not take over is reported, and the
 * unmapped variables are kept in a [ctys] group of the new config. */

#define HG_CTYS_ERROR (hg_ctys_error_quark ())

typedef enum {
  HG_CTYS_ERROR_IO,            /* the file cannot be read, or the VM not written */
  HG_CTYS_ERROR_TOO_LARGE,     /* more than HG_CTYS_MAX_SIZE bytes or HG_CTYS_MAX_LINES lines,
                                * or its expansion passes a bound below */
  HG_CTYS_ERROR_ENCODING,      /* NUL bytes or invalid UTF-8 */
  HG_CTYS_ERROR_SYNTAX,        /* unterminated quote, ${ or $( */
  HG_CTYS_ERROR_INVALID_LABEL, /* no usable label (LABEL, #@#LABEL or the file name) */
  HG_CTYS_ERROR_EXISTS,        /* the target VM config already exists */
} HgCtysError;

GQuark hg_ctys_error_quark (void);

#define HG_CTYS_MAX_SIZE  (1024 * 1024)
#define HG_CTYS_MAX_LINES 20000
/* Bounds of the expansion of $VAR / ${VAR...} in values: a value once
 * expanded, all values together, and the number of expansions in the file.
 * Nesting of ${ and $( is bounded at 32 levels (a syntax error). */
#define HG_CTYS_MAX_VALUE      (64 * 1024)
#define HG_CTYS_MAX_EXPANDED   (4 * 1024 * 1024)
#define HG_CTYS_MAX_EXPANSIONS 10000

typedef enum {
  HG_CTYS_NOTE_UNMAPPED,     /* a variable Hangar has no place for (kept in [ctys]) */
  HG_CTYS_NOTE_IGNORED_LINE, /* not an assignment: command, function, if/then ... */
  HG_CTYS_NOTE_UNEVALUATED,  /* $(...), `...`, ~ or an unknown $VAR: kept literally */
  HG_CTYS_NOTE_INFO,         /* how a value was interpreted */
} HgCtysNoteKind;

typedef struct {
  HgCtysNoteKind kind;
  guint          line;     /* 1-based line in the .ctys file */
  char          *key;      /* variable name ("#@#NAME" for metadata), or NULL */
  char          *text;     /* the value, the ignored line or the substitution */
  char          *message;  /* what happened, in a sentence */
} HgCtysNote;

typedef struct _HgCtysImport HgCtysImport;

/* Parses a .ctys file and maps it.  Fails only for I/O, size, encoding and
 * syntax errors (each naming the file and line); everything else ends up in
 * the report. */
HgCtysImport *hg_ctys_parse_file        (const char    *path,
                                         GError       **error);
/* path_for_messages may be NULL ("<data>"); when it is a real path its
 * directory anchors relative image paths and the default label. */
HgCtysImport *hg_ctys_parse_data        (const char    *data,
                                         gssize         length,
                                         const char    *path_for_messages,
                                         GError       **error);
void          hg_ctys_import_free       (HgCtysImport  *self);

/* Overrides the label (LABEL / #@#LABEL / file name). */
gboolean      hg_ctys_import_set_label  (HgCtysImport  *self,
                                         const char    *label,
                                         GError       **error);
const char   *hg_ctys_import_get_label  (HgCtysImport  *self);
/* The file's UUID is already a VM's (taken_by names it, e.g. an import of
 * the same file): the import gets a new random uuid instead, and the report
 * says so. */
void          hg_ctys_import_renew_uuid (HgCtysImport  *self,
                                         const char    *taken_by);
const char   *hg_ctys_import_get_path   (HgCtysImport  *self);

/* The final value of a variable as the import understood it, or NULL. */
const char   *hg_ctys_import_get_value  (HgCtysImport  *self,
                                         const char    *name);
/* Line of the (last) assignment of a variable, 0 if never assigned. */
guint         hg_ctys_import_get_line   (HgCtysImport  *self,
                                         const char    *name);

/* The report, in file order.  Arrays of HgCtysNote*, owned by the import. */
GPtrArray    *hg_ctys_import_get_notes        (HgCtysImport *self);
GPtrArray    *hg_ctys_import_get_unmapped     (HgCtysImport *self);
GPtrArray    *hg_ctys_import_get_ignored_lines(HgCtysImport *self);
GPtrArray    *hg_ctys_import_get_unevaluated  (HgCtysImport *self);

/* The mapped VM (a new reference).  Image paths are absolute when the file's
 * directory is known; config->dir is that directory, config->path NULL.
 * Fails when no valid label can be found. */
HgVmConfig   *hg_ctys_import_to_config  (HgCtysImport  *self,
                                         GError       **error);

/* Writes <base>/<label>/<label>.hangar (base NULL: beside the .ctys file,
 * i.e. the .ctys directory itself when it is named <label>, as ctys VMs are,
 * else <dir>/<label>/).  Image paths inside the VM directory are written
 * relative to it.  Atomic (temp file, fsync, link); never overwrites an
 * existing config. */
gboolean      hg_ctys_import_write      (HgCtysImport  *self,
                                         const char    *target_base_dir,
                                         char         **out_config_path,
                                         GError       **error);

/* A human-readable multi-line report (what became what, what was not taken
 * over, what was ignored), for `hangarctl import-ctys`. */
char         *hg_ctys_import_format_report (HgCtysImport *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgCtysImport, hg_ctys_import_free)

G_END_DECLS
