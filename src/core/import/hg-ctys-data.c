/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include "hg-ctys-private.h"

/* The base of the ctys import that every other hg-ctys*.c builds on: the
 * error domain, variables and notes.  It calls nothing of theirs. */

/* ------------------------------------------------------------------------
 * Data
 * ------------------------------------------------------------------------ */

G_DEFINE_QUARK (hg-ctys-error-quark, hg_ctys_error)

#define MAX_NOTE_TEXT 160   /* characters of a line quoted in the report */

void
_hg_ctys_var_free (HgCtysVar *var)
{
  g_free (var->name);
  g_free (var->value);
  g_free (var->reason);
  g_free (var);
}

void
_hg_ctys_note_free (HgCtysNote *note)
{
  g_free (note->key);
  g_free (note->text);
  g_free (note->message);
  g_free (note);
}

char *
_hg_ctys_shorten (const char *text)
{
  g_autoptr(GString) s = g_string_new (NULL);
  glong n = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ >= MAX_NOTE_TEXT)
        {
          g_string_append (s, "…");
          break;
        }
      if (c == '\n')
        g_string_append (s, "⏎");
      else if (c == '\t' || c == '\r')
        g_string_append_c (s, ' ');
      else
        g_string_append_unichar (s, c);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

void
_hg_ctys_add_note (GPtrArray     *list,
                   HgCtysNoteKind kind,
                   guint          line,
                   const char    *key,
                   const char    *text,
                   const char    *format,
                   ...)
{
  HgCtysNote *note = g_new0 (HgCtysNote, 1);
  va_list args;

  note->kind = kind;
  note->line = line;
  note->key = g_strdup (key);
  note->text = text ? _hg_ctys_shorten (text) : NULL;
  va_start (args, format);
  note->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (list, note);
}
