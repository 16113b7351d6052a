/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-ctys-map-private.h"

/* The base of the mapping that hg-ctys-map-values.c, -machine.c, -devices.c
 * and hg-ctys-map.c build on: taking a variable (checked), rejecting one,
 * paths, disks and media.  It calls nothing of theirs. */

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* NULL when a value can become a config value, else what is wrong with it */
static const char *
value_problem (const char *value)
{
  if (strlen (value) > HG_CONFIG_MAX_VALUE_LEN)
    return _("longer than 4096 bytes");
  for (const char *p = value; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return _("contains a line break or another control character");
  return NULL;
}

static HgCtysVar *
checked (HgCtysMap *m,
         HgCtysVar *var)
{
  const char *problem;

  if (var == NULL)
    return NULL;
  var->used = TRUE;
  problem = value_problem (var->value);
  if (problem != NULL)
    {
      _hg_ctys_map_reject (m, var, "%s", problem);
      return NULL;
    }
  return var;
}

HgCtysVar *
_hg_ctys_map_take (HgCtysMap  *m,
                   const char *name)
{
  return checked (m, g_hash_table_lookup (m->imp->vars, name));
}

/* The first of several aliases that is assigned; the others are marked as
 * taken over too and, when different, noted as superseded. */
HgCtysVar *
_hg_ctys_map_take_first (HgCtysMap         *m,
                         const char *const *names)
{
  HgCtysVar *found = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      HgCtysVar *var = _hg_ctys_map_take (m, names[i]);

      if (var == NULL)
        continue;
      if (found == NULL)
        found = var;
      else if (g_strcmp0 (found->value, var->value) != 0)
        _hg_ctys_add_note (m->imp->map_notes, HG_CTYS_NOTE_INFO, var->line, var->name,
                           var->value, _("superseded by %s (line %u)"),
                           found->name, found->line);
    }
  return found;
}

HgCtysVar *
_hg_ctys_map_take_meta (HgCtysMap  *m,
                        const char *name)
{
  return checked (m, g_hash_table_lookup (m->imp->meta, name));
}

void
_hg_ctys_map_reject (HgCtysMap  *m,
                     HgCtysVar  *var,
                     const char *format,
                     ...)
{
  va_list args;

  var->used = FALSE;
  g_free (var->reason);
  va_start (args, format);
  var->reason = g_strdup_vprintf (format, args);
  va_end (args);
}

void
_hg_ctys_map_set_str (char      **field,
                      const char *value)
{
  g_free (*field);
  *field = (value != NULL && value[0] != '\0') ? g_strdup (value) : NULL;
}

char *
_hg_ctys_map_trimmed (const char *value)
{
  return g_strstrip (g_strdup (value ? value : ""));
}

static gboolean
has_unevaluated (const char *value)
{
  return strchr (value, '$') != NULL || strchr (value, '`') != NULL;
}

/* A path from the file: relative paths are relative to the file's directory
 * (the ctys wrapper cds there before it starts QEMU). */
char *
_hg_ctys_map_resolve_path (HgCtysMap  *m,
                           const char *value)
{
  g_autofree char *v = _hg_ctys_map_trimmed (value);

  if (v[0] == '\0')
    return NULL;
  if (m->imp->dir == NULL || g_path_is_absolute (v) || has_unevaluated (v) || v[0] == '~')
    return g_steal_pointer (&v);
  return g_canonicalize_filename (v, m->imp->dir);
}

static const char *
format_from_magic (const char *path)
{
  guchar buf[72] = { 0 };
  gssize n;
  int fd;

  if (path == NULL || !g_path_is_absolute (path))
    return NULL;
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    return NULL;
  n = read (fd, buf, sizeof buf);
  close (fd);
  if (n < 8)
    return NULL;
  if (memcmp (buf, "QFI\xfb", 4) == 0)
    return "qcow2";
  if (memcmp (buf, "QED\0", 4) == 0)
    return "qed";
  if (memcmp (buf, "KDMV", 4) == 0)
    return "vmdk";
  if (memcmp (buf, "conectix", 8) == 0)
    return "vpc";
  if (n >= 68 && buf[64] == 0x7f && buf[65] == 0x10 && buf[66] == 0xda && buf[67] == 0xbe)
    return "vdi";
  return "raw";
}

static const char *
format_from_name (const char *path)
{
  static const struct { const char *ext, *format; } table[] = {
    { ".qcow2", "qcow2" }, { ".qed", "qed" }, { ".vhdx", "vhdx" },
    { ".vmdk", "vmdk" },   { ".vdi", "vdi" },   { ".vhd", "vpc" },
    { ".img", "raw" },     { ".raw", "raw" },   { ".iso", "raw" },
    { ".dd", "raw" },      { ".bin", "raw" },   { ".hdd", "raw" },
  };
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_prefix (path, "/dev/"))
    return "raw";
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_has_suffix (lower, table[i].ext))
      return table[i].format;
  return NULL;
}

void
_hg_ctys_map_add_disk (HgCtysMap  *m,
                       HgCtysVar  *var,
                       const char *path,
                       const char *format)
{
  const char *detected = format_from_magic (path);

  if (format == NULL)
    format = detected ? detected : format_from_name (path);
  if (format == NULL)
    {
      format = "raw";
      info (m, var ? var->line : 0, var ? var->name : NULL, path,
            _("image format not recognised from its name; raw assumed"));
    }
  else if (detected == NULL && var != NULL)
    info (m, var->line, var->name, path,
          _("image not found; format %s taken from its name"), format);
  g_ptr_array_add (m->cfg->disks, hg_disk_new (path, format, NULL));
}

void
_hg_ctys_map_add_medium (HgCtysMap   *m,
                         HgMediumKind kind,
                         const char  *path)
{
  for (guint i = 0; i < m->cfg->media->len; i++)
    {
      HgMedium *medium = g_ptr_array_index (m->cfg->media, i);

      if (medium->kind == kind && g_strcmp0 (medium->path, path) == 0)
        return;
    }
  g_ptr_array_add (m->cfg->media, hg_medium_new (kind, path));
}
