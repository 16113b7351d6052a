/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "hg-ctys-private.h"

/* ------------------------------------------------------------------------
 * Statements
 * ------------------------------------------------------------------------ */

typedef struct {
  const char *start;
  const char *end;
} Word;

static gboolean
word_is (const Word *w,
         const char *s)
{
  gsize len = strlen (s);

  return (gsize) (w->end - w->start) == len && memcmp (w->start, s, len) == 0;
}

/* Length of NAME in NAME=... or NAME+=..., 0 if the word is no assignment */
static gsize
assignment_name_len (const Word *w,
                     gboolean   *append)
{
  const char *p = w->start;

  if (p >= w->end || !_hg_ctys_is_name_start (*p))
    return 0;
  while (p < w->end && _hg_ctys_is_name_char (*p))
    p++;
  if (p < w->end && *p == '=')
    {
      *append = FALSE;
      return p - w->start;
    }
  if (p + 1 < w->end && p[0] == '+' && p[1] == '=')
    {
      *append = TRUE;
      return p - w->start;
    }
  return 0;
}

/* FALSE (ps->error set) when the value passes a bound of its expansion */
static gboolean
assign (HgCtysParser *ps,
        const Word   *w,
        guint         line)
{
  HgCtysImport *imp = ps->imp;
  gboolean append = FALSE;
  gsize name_len = assignment_name_len (w, &append);
  g_autofree char *name = g_strndup (w->start, name_len);
  const char *value_start = w->start + name_len + (append ? 2 : 1);
  g_autoptr(GString) value = g_string_new (NULL);
  HgCtysExpand ex = { ps, name, line, FALSE };
  HgCtysVar *var;

  if (!_hg_ctys_expand_range (&ex, value_start, w->end, FALSE, 0, value) ||
      !_hg_ctys_check_value (&ex, value->len) ||
      !_hg_ctys_add_expanded (&ex, value->len))
    return FALSE;

  var = g_hash_table_lookup (imp->vars, name);
  if (var != NULL && append && !_hg_ctys_check_value (&ex, strlen (var->value) + value->len))
    return FALSE;
  if (var == NULL)
    {
      var = g_new0 (HgCtysVar, 1);
      var->name = g_steal_pointer (&name);
      var->value = g_string_free (g_steal_pointer (&value), FALSE);
      g_ptr_array_add (imp->order, var);
      g_hash_table_insert (imp->vars, var->name, var);
    }
  else if (append)
    {
      char *joined = g_strconcat (var->value, value->str, NULL);

      g_free (var->value);
      var->value = joined;
    }
  else
    {
      g_free (var->value);
      var->value = g_string_free (g_steal_pointer (&value), FALSE);
    }
  var->line = line;
  return TRUE;
}

static gboolean
is_block_open (const Word *w)
{
  return word_is (w, "if") || word_is (w, "case") || word_is (w, "for") ||
         word_is (w, "while") || word_is (w, "until") || word_is (w, "select") ||
         word_is (w, "{");
}

static gboolean
is_block_close (const Word *w)
{
  return word_is (w, "fi") || word_is (w, "esac") || word_is (w, "done") ||
         word_is (w, "}");
}

static gboolean
is_block_middle (const Word *w)
{
  return word_is (w, "then") || word_is (w, "else") || word_is (w, "elif") ||
         word_is (w, "do") || word_is (w, "!") || word_is (w, "function");
}

/* "NAME()" or a separate "()" after NAME */
static gboolean
word_is_function_name (const Word *w)
{
  return w->end - w->start >= 2 && w->end[-2] == '(' && w->end[-1] == ')';
}

static void
ignore_statement (HgCtysParser *ps,
                  const char   *start,
                  const char   *end,
                  guint         line,
                  const char   *why)
{
  g_autofree char *text = g_strndup (start, end - start);
  GPtrArray *notes = ps->imp->parse_notes;
  HgCtysNote *last = notes->len > 0 ? g_ptr_array_index (notes, notes->len - 1) : NULL;

  g_strstrip (text);

  /* one entry per line: "for ...; do ...; done" is one ignored line */
  if (last != NULL && last->kind == HG_CTYS_NOTE_IGNORED_LINE && last->line == line)
    {
      g_autofree char *joined = g_strconcat (last->text, " ", text, NULL);

      g_free (last->text);
      last->text = _hg_ctys_shorten (joined);
      return;
    }
  _hg_ctys_add_note (notes, HG_CTYS_NOTE_IGNORED_LINE, line, NULL, text, "%s", why);
}

/* FALSE (ps->error set) when an assignment passes a bound */
static gboolean
process_statement (HgCtysParser *ps,
                   GArray       *words,
                   const char   *start,
                   const char   *end,
                   guint         line,
                   gboolean      has_operator)
{
  int depth_before = ps->depth;
  gboolean construct = FALSE;
  gboolean command_position = TRUE;
  guint first = 0;
  gboolean append;

  if (words->len == 0)
    {
      if (has_operator)
        ignore_statement (ps, start, end, line, _("not an assignment; ignored"));
      return TRUE;
    }

  /* Track if/case/loops/functions/braces so that assignments inside them,
   * which only run conditionally, are not taken as settings. */
  for (guint i = 0; i < words->len; i++)
    {
      const Word *w = &g_array_index (words, Word, i);

      if (i > 0 && word_is (&g_array_index (words, Word, i - 1), "function"))
        {
          /* the name in "function NAME [()] {" */
          command_position = TRUE;
          continue;
        }
      if (!command_position && !word_is (w, "()"))
        continue;
      command_position = FALSE;
      if (is_block_open (w))
        {
          ps->depth++;
          construct = TRUE;
          command_position = word_is (w, "{");
        }
      else if (is_block_close (w))
        {
          ps->depth = MAX (ps->depth - 1, 0);
          construct = TRUE;
        }
      else if (is_block_middle (w) || word_is_function_name (w))
        {
          construct = TRUE;
          command_position = TRUE;
        }
    }

  if (depth_before > 0 || construct)
    {
      ignore_statement (ps, start, end, line,
                        depth_before > 0 || ps->depth > 0
                        ? _("inside a shell block (if, case, loop or function); not evaluated")
                        : _("shell construct; not evaluated"));
      return TRUE;
    }

  if (has_operator)
    {
      ignore_statement (ps, start, end, line,
                        _("command with pipes, redirections or && / ||; never run"));
      return TRUE;
    }

  if (word_is (&g_array_index (words, Word, 0), "export") ||
      word_is (&g_array_index (words, Word, 0), "readonly"))
    {
      first = 1;
      for (guint i = 1; i < words->len; i++)
        {
          const Word *w = &g_array_index (words, Word, i);
          const char *p = w->start;

          if (assignment_name_len (w, &append) > 0)
            continue;
          while (p < w->end && _hg_ctys_is_name_char (*p))
            p++;
          if (p != w->end || !_hg_ctys_is_name_start (*w->start))
            {
              ignore_statement (ps, start, end, line, _("not a plain export; ignored"));
              return TRUE;
            }
        }
    }
  else
    {
      for (guint i = 0; i < words->len; i++)
        {
          if (assignment_name_len (&g_array_index (words, Word, i), &append) == 0)
            {
              ignore_statement (ps, start, end, line, _("a command, not an assignment; never run"));
              return TRUE;
            }
        }
    }

  for (guint i = first; i < words->len; i++)
    {
      const Word *w = &g_array_index (words, Word, i);

      if (assignment_name_len (w, &append) > 0 &&
          !assign (ps, w, _hg_ctys_line_at (ps, w->start)))
        return FALSE;
    }
  return TRUE;
}

/* "#@#NAME = value" lines: the ENUMERATE metadata that ctys writes into
 * comments.  Used as a fallback for LABEL, UUID, MAC0, IP0, DIST ... */
static void
parse_meta (HgCtysParser *ps,
            const char   *p,
            const char   *eol)
{
  HgCtysImport *imp = ps->imp;
  const char *n = p, *v;
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  HgCtysVar *var;
  gsize len;

  while (n < eol && (_hg_ctys_is_name_char (*n) || *n == '-'))
    n++;
  if (n == p)
    return;
  v = n;
  while (v < eol && (*v == ' ' || *v == '\t'))
    v++;
  if (v >= eol || *v != '=')
    return;
  v++;

  name = g_strndup (p, n - p);
  value = g_strndup (v, eol - v);
  g_strstrip (value);
  len = strlen (value);
  if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0])
    {
      memmove (value, value + 1, len - 2);
      value[len - 2] = '\0';
    }

  var = g_hash_table_lookup (imp->meta, name);
  if (var == NULL)
    {
      var = g_new0 (HgCtysVar, 1);
      var->name = g_steal_pointer (&name);
      g_ptr_array_add (imp->meta_order, var);
      g_hash_table_insert (imp->meta, var->name, var);
    }
  g_free (var->value);
  var->value = g_steal_pointer (&value);
  var->line = _hg_ctys_line_at (ps, p);
}

static const char *
skip_blanks (HgCtysParser *ps,
             const char   *p)
{
  while (p < ps->end)
    {
      if (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
      else if (*p == '\\' && p + 1 < ps->end && p[1] == '\n')
        p += 2;
      else
        break;
    }
  return p;
}

static const char *
line_end (HgCtysParser *ps,
          const char   *p)
{
  const char *nl = memchr (p, '\n', ps->end - p);

  return nl ? nl : ps->end;
}

gboolean
_hg_ctys_parse_all (HgCtysParser *ps)
{
  const char *p = ps->start;
  g_autoptr(GArray) words = g_array_new (FALSE, FALSE, sizeof (Word));
  g_autoptr(GPtrArray) heredocs = g_ptr_array_new_with_free_func (g_free);

  while (p < ps->end)
    {
      const char *stmt_start;
      gboolean has_operator = FALSE;
      gboolean strip_tabs = FALSE;
      guint line;

      p = skip_blanks (ps, p);
      if (p >= ps->end)
        break;
      if (*p == '\n')
        {
          p++;
          continue;
        }
      if (*p == '#')
        {
          const char *eol = line_end (ps, p);

          if (eol - p > 3 && g_str_has_prefix (p, "#@#"))
            parse_meta (ps, p + 3, eol);
          p = eol;
          continue;
        }

      stmt_start = p;
      line = _hg_ctys_line_at (ps, p);
      g_array_set_size (words, 0);

      for (;;)
        {
          Word w;

          p = skip_blanks (ps, p);
          if (p >= ps->end || *p == '\n')
            break;
          if (*p == '#')
            {
              p = line_end (ps, p);
              break;
            }
          if (*p == ';')
            {
              p++;
              if (p < ps->end && *p == ';')
                {
                  p++;
                  has_operator = TRUE;
                }
              break;
            }
          if (*p == '&')
            {
              if (p + 1 < ps->end && p[1] == '&')
                {
                  has_operator = TRUE;
                  p += 2;
                  continue;
                }
              p++;
              has_operator = TRUE;  /* a background job */
              break;
            }
          if (*p == '|')
            {
              has_operator = TRUE;
              p += (p + 1 < ps->end && p[1] == '|') ? 2 : 1;
              continue;
            }
          if (*p == '<' || *p == '>')
            {
              has_operator = TRUE;
              if (*p == '<' && p + 1 < ps->end && p[1] == '<' &&
                  !(p + 2 < ps->end && p[2] == '<'))
                {
                  const char *d, *de;
                  g_autoptr(GString) delim = g_string_new (NULL);

                  p += 2;
                  if (p < ps->end && *p == '-')
                    {
                      strip_tabs = TRUE;
                      p++;
                    }
                  d = skip_blanks (ps, p);
                  de = _hg_ctys_lex_word (ps, d);
                  if (de == NULL)
                    return FALSE;
                  for (const char *c = d; c < de; c++)
                    if (*c != '\'' && *c != '"' && *c != '\\')
                      g_string_append_c (delim, *c);
                  g_ptr_array_add (heredocs, g_string_free (g_steal_pointer (&delim), FALSE));
                  p = de;
                  continue;
                }
              while (p < ps->end && (*p == '<' || *p == '>' || *p == '&'))
                p++;
              continue;
            }

          w.start = p;
          w.end = _hg_ctys_lex_word (ps, p);
          if (w.end == NULL)
            return FALSE;
          p = w.end;
          g_array_append_val (words, w);
        }

      if (heredocs->len > 0)
        {
          /* The statement reaches to the end of its here-documents. */
          p = line_end (ps, p);
          for (guint i = 0; i < heredocs->len; i++)
            {
              const char *delim = g_ptr_array_index (heredocs, i);
              gboolean found = FALSE;

              while (p < ps->end && !found)
                {
                  const char *ls = p + 1, *le;

                  if (ls > ps->end)
                    break;
                  le = line_end (ps, ls);
                  if (strip_tabs)
                    while (ls < le && *ls == '\t')
                      ls++;
                  found = (gsize) (le - ls) == strlen (delim) &&
                          memcmp (ls, delim, le - ls) == 0;
                  p = le;
                }
            }
          g_ptr_array_set_size (heredocs, 0);
        }

      if (!process_statement (ps, words, stmt_start, p, line, has_operator))
        return FALSE;
    }

  if (ps->depth > 0)
    _hg_ctys_add_note (ps->imp->parse_notes, HG_CTYS_NOTE_INFO, _hg_ctys_line_at (ps, ps->end),
                       NULL, NULL,
              _("the file ends inside an open shell block (if, case, loop or function)"));
  return TRUE;
}
