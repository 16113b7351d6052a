/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline-private.h"

/* The base of command assembly that hg-cmdline-machine.c,
 * hg-cmdline-devices.c and hg-cmdline.c build on: the error domain,
 * escaping, the checks on user values and the argv builder.  It calls
 * nothing of theirs. */

G_DEFINE_QUARK (hg-cmdline-error-quark, hg_cmdline_error)

/* ------------------------------------------------------------------ */
/* Escaping and checks */

char *
hg_cmdline_escape (const char *value)
{
  GString *s;

  g_return_val_if_fail (value != NULL, NULL);

  s = g_string_sized_new (strlen (value) + 8);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append_c (s, ',');
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

void
_hg_cmdline_add (HgCmdlineBuilder *b,
                 const char       *arg)
{
  g_ptr_array_add (b->argv, g_strdup (arg));
}

void
_hg_cmdline_add2 (HgCmdlineBuilder *b,
                  const char       *opt,
                  const char       *value)
{
  _hg_cmdline_add (b, opt);
  _hg_cmdline_add (b, value);
}

void
_hg_cmdline_add_printf (HgCmdlineBuilder *b,
                        const char       *opt,
                        const char       *format,
                        ...)
{
  va_list args;

  if (opt != NULL)
    _hg_cmdline_add (b, opt);
  va_start (args, format);
  g_ptr_array_add (b->argv, g_strdup_vprintf (format, args));
  va_end (args);
}

gboolean
_hg_cmdline_fail (HgCmdlineBuilder *b,
                  int               code,
                  const char       *key,
                  const char       *format,
                  ...)
{
  g_autofree char *msg = NULL;
  const char *file = b->config->path ? b->config->path : b->config->label;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (key != NULL)
    g_set_error (b->error, HG_CMDLINE_ERROR, code, "%s: %s: %s", file ? file : "VM", key, msg);
  else
    g_set_error (b->error, HG_CMDLINE_ERROR, code, "%s: %s", file ? file : "VM", msg);
  return FALSE;
}

gboolean
_hg_cmdline_has_control_chars (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* [A-Za-z0-9] plus extra characters, non-empty */
gboolean
_hg_cmdline_is_word (const char *s,
                     const char *extra)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return TRUE;
}

/* A path from the config made absolute (relative to the VM directory),
 * refusing what cannot be passed safely.  key names it in errors. */
char *
_hg_cmdline_resolve_path (HgCmdlineBuilder *b,
                          const char       *key,
                          const char       *path)
{
  if (path == NULL || *path == '\0')
    {
      _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, key, "no path given");
      return NULL;
    }
  if (_hg_cmdline_has_control_chars (path))
    {
      _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key,
                        "the path contains a newline or another control character");
      return NULL;
    }
  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  if (b->config->dir == NULL || !g_path_is_absolute (b->config->dir))
    {
      _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key,
                        "relative path \"%s\" but the VM has no directory", path);
      return NULL;
    }
  return g_canonicalize_filename (path, b->config->dir);
}

char *
_hg_cmdline_group_key (const char *group,
                       guint       index,
                       const char *key)
{
  return g_strdup_printf ("[%s:%u] %s", group, index, key);
}
