/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-ctys.h"

G_BEGIN_DECLS

/* Shared between hg-ctys-data.c (the error domain, variables, notes),
 * hg-ctys-lex.c (lexing, expansion), hg-ctys-parse.c (statements),
 * hg-ctys.c (reading the file: entry points, accessors), hg-ctys-map*.c
 * (turning the variables into an HgVmConfig) and hg-ctys-write.c (writing
 * the VM, the report).  Calls go one way, in that order. */

typedef struct {
  char    *name;
  char    *value;
  guint    line;
  gboolean used;   /* taken over by the mapping */
  char    *reason; /* why it was not taken over, when rejected */
} HgCtysVar;

struct _HgCtysImport {
  char       *path;     /* absolute path, or NULL for data without a file */
  char       *display;  /* name used in messages */
  char       *dir;      /* absolute directory of the file, or NULL */

  GHashTable *vars;     /* name -> HgCtysVar* (shell assignments) */
  GPtrArray  *order;    /* HgCtysVar*, order of first assignment; owns them */
  GHashTable *meta;     /* name -> HgCtysVar* (#@#NAME = value comments) */
  GPtrArray  *meta_order;

  GPtrArray  *parse_notes;  /* HgCtysNote*, from reading; owned */
  GPtrArray  *map_notes;    /* HgCtysNote*, from mapping; owned */

  /* views (no free func) over both lists, rebuilt after each mapping */
  GPtrArray  *notes;
  GPtrArray  *unmapped;
  GPtrArray  *ignored;
  GPtrArray  *unevaluated;

  char       *label_override;
  char       *label;
  char       *uuid_taken_by;  /* the file's UUID belongs to this VM: renew it */
  char       *uuid_renewed;   /* the new one, made once */
  HgVmConfig *config;
  GError     *map_error;
  gboolean    mapped;
};

void _hg_ctys_var_free  (HgCtysVar  *var);
void _hg_ctys_note_free (HgCtysNote *note);
void _hg_ctys_add_note  (GPtrArray      *list,
                         HgCtysNoteKind  kind,
                         guint           line,
                         const char     *key,
                         const char     *text,
                         const char     *format,
                         ...) G_GNUC_PRINTF (6, 7);

/* ---- reading: hg-ctys.c, hg-ctys-lex.c, hg-ctys-parse.c ---- */

typedef struct {
  HgCtysImport *imp;
  const char   *start;
  const char   *end;
  GArray       *line_starts;  /* offsets of the first byte of each line */
  int           depth;        /* open blocks: if/case/for/while/{ */
  gsize         expanded;     /* bytes of all assigned values (HG_CTYS_MAX_EXPANDED) */
  guint         expansions;   /* $VAR / ${...} expanded so far (HG_CTYS_MAX_EXPANSIONS) */
  GError      **error;
} HgCtysParser;

typedef struct {
  HgCtysParser *ps;
  const char   *key;    /* variable being assigned */
  guint         line;
  gboolean      failed; /* a bound was passed; ps->error is set */
} HgCtysExpand;

/* text shortened for a note (hg-ctys-data.c MAX_NOTE_TEXT) */
char       *_hg_ctys_shorten       (const char *text);
guint       _hg_ctys_line_at       (HgCtysParser *ps, const char *p);
gboolean    _hg_ctys_is_name_start (char c);
gboolean    _hg_ctys_is_name_char  (char c);
const char *_hg_ctys_lex_word      (HgCtysParser *ps, const char *p);
/* FALSE (ps->error set) when the expansion passes a bound */
gboolean    _hg_ctys_expand_range  (HgCtysExpand *ex, const char *p, const char *e,
                                    gboolean in_dquote, int nest, GString *out);
/* FALSE (ps->error set) when a value of len bytes passes a bound */
gboolean    _hg_ctys_check_value   (HgCtysExpand *ex, gsize len);
/* FALSE (ps->error set) when all values together pass a bound */
gboolean    _hg_ctys_add_expanded  (HgCtysExpand *ex, gsize len);
gboolean    _hg_ctys_parse_all     (HgCtysParser *ps);

/* hg-ctys-write.c, also for hg-import.c: a new VM directory vm_dir, built
 * hidden and locked as <parent>/.<label>.tmp-XXXXXX, populate() filling it
 * (may be NULL; on failure every file it left there is removed), then the
 * config file written and the directory renamed into place, never over an
 * existing one. */
typedef gboolean (*HgCtysPopulate) (const char *tmp_dir, gpointer data, GError **error);
gboolean _hg_ctys_write_new_dir (const char    *vm_dir,
                                 const char    *file,
                                 const char    *data,
                                 gsize          length,
                                 HgCtysPopulate populate,
                                 gpointer       populate_data,
                                 GError       **error);
/* Appends the notes of one kind under a title (the report's format) */
void     _hg_ctys_append_notes  (GString        *out,
                                 GPtrArray      *notes,
                                 HgCtysNoteKind  kind,
                                 const char     *title);

/* Reads a regular file, at most max + 1 bytes (a longer file is told by its
 * length), NUL-terminated; HG_CTYS_ERROR_IO naming it.  Also hg-import.c. */
char    *_hg_ctys_read_at_most  (const char     *path,
                                 gsize           max,
                                 gsize          *out_len,
                                 GError        **error);

/* Runs the mapping once (again after hg_ctys_import_set_label). */
void _hg_ctys_import_ensure_mapped (HgCtysImport *self);

G_END_DECLS
