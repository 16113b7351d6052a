/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-ctys-private.h"

/* ------------------------------------------------------------------------
 * Data
 * ------------------------------------------------------------------------ */

G_DEFINE_QUARK (hg-ctys-error-quark, hg_ctys_error)

#define MAX_NESTING 32      /* ${..${..}} / $( $( ) ) depth */
#define MAX_NOTE_TEXT 160   /* characters of a line quoted in the report */

void
hg_ctys_var_free (CtysVar *var)
{
  g_free (var->name);
  g_free (var->value);
  g_free (var->reason);
  g_free (var);
}

void
hg_ctys_note_free (HgCtysNote *note)
{
  g_free (note->key);
  g_free (note->text);
  g_free (note->message);
  g_free (note);
}

static char *
shorten (const char *text)
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
hg_ctys_add_note (GPtrArray      *list,
                  HgCtysNoteKind  kind,
                  guint           line,
                  const char     *key,
                  const char     *text,
                  const char     *format,
                  ...)
{
  HgCtysNote *note = g_new0 (HgCtysNote, 1);
  va_list args;

  note->kind = kind;
  note->line = line;
  note->key = g_strdup (key);
  note->text = text ? shorten (text) : NULL;
  va_start (args, format);
  note->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (list, note);
}

/* ------------------------------------------------------------------------
 * Lexing helpers: find where quoted and substituted text ends
 * ------------------------------------------------------------------------ */

typedef struct {
  HgCtysImport *imp;
  const char   *start;
  const char   *end;
  GArray       *line_starts;  /* offsets of the first byte of each line */
  int           depth;        /* open blocks: if/case/for/while/{ */
  GError      **error;
} Parser;

static guint
line_at (Parser     *ps,
         const char *p)
{
  gsize off = p - ps->start;
  guint lo = 0, hi = ps->line_starts->len;

  /* last line start <= off */
  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (ps->line_starts, gsize, mid) <= off)
        lo = mid;
      else
        hi = mid;
    }
  return lo + 1;
}

static gboolean
syntax_error (Parser     *ps,
              const char *at,
              const char *what)
{
  g_set_error (ps->error, HG_CTYS_ERROR, HG_CTYS_ERROR_SYNTAX,
               _("%s:%u: %s"), ps->imp->display, line_at (ps, at), what);
  return FALSE;
}

static const char *skip_dollar (Parser *ps, const char *p, int nest);

/* p at the opening '; returns the position after the closing ' */
static const char *
skip_single (Parser     *ps,
             const char *p)
{
  const char *q = memchr (p + 1, '\'', ps->end - (p + 1));

  if (q == NULL)
    {
      syntax_error (ps, p, _("unterminated single quote"));
      return NULL;
    }
  return q + 1;
}

static const char *
skip_backtick (Parser     *ps,
               const char *p)
{
  for (const char *q = p + 1; q < ps->end; q++)
    {
      if (*q == '\\' && q + 1 < ps->end)
        q++;
      else if (*q == '`')
        return q + 1;
    }
  syntax_error (ps, p, _("unterminated backtick command substitution"));
  return NULL;
}

static const char *
skip_double (Parser     *ps,
             const char *p,
             int         nest)
{
  const char *q = p + 1;

  while (q < ps->end)
    {
      switch (*q)
        {
        case '\\':
          q += (q + 1 < ps->end) ? 2 : 1;
          break;
        case '"':
          return q + 1;
        case '`':
          q = skip_backtick (ps, q);
          if (q == NULL)
            return NULL;
          break;
        case '$':
          q = skip_dollar (ps, q, nest);
          if (q == NULL)
            return NULL;
          break;
        default:
          q++;
        }
    }
  syntax_error (ps, p, _("unterminated double quote"));
  return NULL;
}

/* p at '$'; returns the position after the whole $-construct */
static const char *
skip_dollar (Parser     *ps,
             const char *p,
             int         nest)
{
  char open, close;
  int depth = 1;
  const char *q;

  if (p + 1 >= ps->end || (p[1] != '(' && p[1] != '{'))
    return p + 1;

  if (nest >= MAX_NESTING)
    {
      syntax_error (ps, p, _("substitutions nested too deeply"));
      return NULL;
    }

  open = p[1];
  close = open == '(' ? ')' : '}';
  q = p + 2;
  while (q < ps->end)
    {
      if (*q == '\\')
        q += (q + 1 < ps->end) ? 2 : 1;
      else if (*q == '\'' && open == '(')
        {
          if ((q = skip_single (ps, q)) == NULL)
            return NULL;
        }
      else if (*q == '"')
        {
          if ((q = skip_double (ps, q, nest + 1)) == NULL)
            return NULL;
        }
      else if (*q == '`')
        {
          if ((q = skip_backtick (ps, q)) == NULL)
            return NULL;
        }
      else if (*q == '$')
        {
          if ((q = skip_dollar (ps, q, nest + 1)) == NULL)
            return NULL;
        }
      else if (*q == open)
        {
          depth++;
          q++;
        }
      else if (*q == close)
        {
          if (--depth == 0)
            return q + 1;
          q++;
        }
      else
        q++;
    }
  syntax_error (ps, p, open == '(' ? _("unterminated $( command substitution")
                                   : _("unterminated ${ parameter expansion"));
  return NULL;
}

static gboolean
is_name_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static gboolean
is_word_end (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' ||
         c == '&' || c == '|' || c == '<' || c == '>';
}

/* p at the first character of a word; returns the position after it */
static const char *
lex_word (Parser     *ps,
          const char *p)
{
  while (p < ps->end && !is_word_end (*p))
    {
      switch (*p)
        {
        case '\\':
          p += (p + 1 < ps->end) ? 2 : 1;
          break;
        case '\'':
          p = skip_single (ps, p);
          break;
        case '"':
          p = skip_double (ps, p, 0);
          break;
        case '`':
          p = skip_backtick (ps, p);
          break;
        case '$':
          p = skip_dollar (ps, p, 0);
          break;
        default:
          p++;
        }
      if (p == NULL)
        return NULL;
    }
  return p;
}

/* ------------------------------------------------------------------------
 * Expansion of assignment values (never runs anything)
 * ------------------------------------------------------------------------ */

typedef struct {
  Parser     *ps;
  const char *key;   /* variable being assigned */
  guint       line;
} Expand;

static void expand_range (Expand *ex, const char *p, const char *e,
                          gboolean in_dquote, int nest, GString *out);

static void
unevaluated (Expand     *ex,
             const char *text,
             gsize       len,
             const char *message)
{
  g_autofree char *t = g_strndup (text, len);

  hg_ctys_add_note (ex->ps->imp->parse_notes, HG_CTYS_NOTE_UNEVALUATED, ex->line,
            ex->key, t, "%s", message);
}

static CtysVar *
lookup_var (HgCtysImport *imp,
            const char   *name,
            gsize         len)
{
  g_autofree char *n = g_strndup (name, len);

  return g_hash_table_lookup (imp->vars, n);
}

/* p at '$' (inside [p, e)); appends the expansion and returns the position
 * after the construct. */
static const char *
expand_dollar (Expand     *ex,
               const char *p,
               const char *e,
               int         nest,
               GString    *out)
{
  Parser *ps = ex->ps;
  const char *after;

  if (p + 1 >= e)
    {
      g_string_append_c (out, '$');
      return p + 1;
    }

  if (p[1] == '(')
    {
      after = skip_dollar (ps, p, nest);
      g_assert (after != NULL && after <= e);  /* lexed before */
      g_string_append_len (out, p, after - p);
      unevaluated (ex, p, after - p,
                   p[2] == '(' ? _("arithmetic expansion is not evaluated; kept literally")
                               : _("command substitution is never run; kept literally"));
      return after;
    }

  if (p[1] == '{')
    {
      const char *in = p + 2, *in_end, *n = in, *op;
      CtysVar *var;

      after = skip_dollar (ps, p, nest);
      g_assert (after != NULL && after <= e);
      in_end = after - 1;  /* the closing brace */

      while (n < in_end && is_name_char (*n))
        n++;

      if (n == in || !is_name_start (*in) || nest >= MAX_NESTING)
        {
          g_string_append_len (out, p, after - p);
          unevaluated (ex, p, after - p,
                       _("this parameter expansion is not evaluated; kept literally"));
          return after;
        }

      var = lookup_var (ps->imp, in, n - in);
      op = n;

      if (op == in_end)
        {
          if (var != NULL)
            g_string_append (out, var->value);
          else
            {
              g_string_append_len (out, p, after - p);
              unevaluated (ex, p, after - p,
                           _("variable not assigned earlier in this file; kept literally"));
            }
          return after;
        }

      {
        gboolean colon = *op == ':';
        char kind = colon ? (op + 1 < in_end ? op[1] : '\0') : *op;
        const char *word = op + (colon ? 2 : 1);
        gboolean set = var != NULL && (!colon || var->value[0] != '\0');

        if (kind == '-' || kind == '=')
          {
            if (set)
              g_string_append (out, var->value);
            else
              {
                g_autoptr(GString) def = g_string_new (NULL);

                expand_range (ex, word, in_end, FALSE, nest + 1, def);
                g_string_append (out, def->str);
                if (kind == '=')
                  {
                    /* ${VAR:=word} also assigns VAR, as the shell does */
                    CtysVar *nv = g_new0 (CtysVar, 1);

                    nv->name = g_strndup (in, n - in);
                    nv->value = g_strdup (def->str);
                    nv->line = ex->line;
                    if (var != NULL)
                      {
                        g_free (var->value);
                        var->value = g_strdup (def->str);
                        var->line = ex->line;
                        hg_ctys_var_free (nv);
                      }
                    else
                      {
                        g_ptr_array_add (ps->imp->order, nv);
                        g_hash_table_insert (ps->imp->vars, nv->name, nv);
                      }
                  }
              }
            return after;
          }
        if (kind == '+')
          {
            if (set)
              expand_range (ex, word, in_end, FALSE, nest + 1, out);
            return after;
          }
      }

      g_string_append_len (out, p, after - p);
      unevaluated (ex, p, after - p,
                   _("this parameter expansion is not evaluated; kept literally"));
      return after;
    }

  if (is_name_start (p[1]))
    {
      const char *n = p + 1;
      CtysVar *var;

      while (n < e && is_name_char (*n))
        n++;
      var = lookup_var (ps->imp, p + 1, n - (p + 1));
      if (var != NULL)
        g_string_append (out, var->value);
      else
        {
          g_string_append_len (out, p, n - p);
          unevaluated (ex, p, n - p,
                       _("variable not assigned earlier in this file; kept literally"));
        }
      return n;
    }

  if (strchr ("0123456789@*#?$!-", p[1]) != NULL)
    {
      g_string_append_len (out, p, 2);
      unevaluated (ex, p, 2, _("special shell parameter; kept literally"));
      return p + 2;
    }

  g_string_append_c (out, '$');
  return p + 1;
}

static void
expand_range (Expand     *ex,
              const char *p,
              const char *e,
              gboolean    in_dquote,
              int         nest,
              GString    *out)
{
  const char *start = p;

  while (p < e)
    {
      char c = *p;

      if (c == '\\')
        {
          char next = p + 1 < e ? p[1] : '\0';

          if (next == '\0')
            {
              g_string_append_c (out, '\\');
              p++;
            }
          else if (next == '\n')
            p += 2;  /* line continuation */
          else if (!in_dquote || strchr ("$`\"\\", next) != NULL)
            {
              g_string_append_c (out, next);
              p += 2;
            }
          else
            {
              g_string_append_c (out, '\\');
              p++;
            }
        }
      else if (c == '\'' && !in_dquote)
        {
          const char *q = memchr (p + 1, '\'', e - (p + 1));

          g_assert (q != NULL);
          g_string_append_len (out, p + 1, q - (p + 1));
          p = q + 1;
        }
      else if (c == '"' && !in_dquote)
        {
          const char *q = skip_double (ex->ps, p, nest);

          g_assert (q != NULL && q <= e);
          expand_range (ex, p + 1, q - 1, TRUE, nest, out);
          p = q;
        }
      else if (c == '`')
        {
          const char *q = skip_backtick (ex->ps, p);

          g_assert (q != NULL && q <= e);
          g_string_append_len (out, p, q - p);
          unevaluated (ex, p, q - p,
                       _("backtick command substitution is never run; kept literally"));
          p = q;
        }
      else if (c == '$')
        p = expand_dollar (ex, p, e, nest, out);
      else if (c == '~' && p == start && !in_dquote && nest == 0)
        {
          const char *q = p + 1;

          while (q < e && *q != '/')
            q++;
          g_string_append_len (out, p, q - p);
          unevaluated (ex, p, q - p,
                       _("home directory (~) is not expanded; kept literally"));
          p = q;
        }
      else
        {
          g_string_append_c (out, c);
          p++;
        }
    }
}

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

  if (p >= w->end || !is_name_start (*p))
    return 0;
  while (p < w->end && is_name_char (*p))
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

static void
assign (Parser     *ps,
        const Word *w,
        guint       line)
{
  HgCtysImport *imp = ps->imp;
  gboolean append = FALSE;
  gsize name_len = assignment_name_len (w, &append);
  g_autofree char *name = g_strndup (w->start, name_len);
  const char *value_start = w->start + name_len + (append ? 2 : 1);
  g_autoptr(GString) value = g_string_new (NULL);
  Expand ex = { ps, name, line };
  CtysVar *var;

  expand_range (&ex, value_start, w->end, FALSE, 0, value);

  var = g_hash_table_lookup (imp->vars, name);
  if (var == NULL)
    {
      var = g_new0 (CtysVar, 1);
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
ignore_statement (Parser     *ps,
                  const char *start,
                  const char *end,
                  guint       line,
                  const char *why)
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
      last->text = shorten (joined);
      return;
    }
  hg_ctys_add_note (notes, HG_CTYS_NOTE_IGNORED_LINE, line, NULL, text, "%s", why);
}

static void
process_statement (Parser     *ps,
                   GArray     *words,
                   const char *start,
                   const char *end,
                   guint       line,
                   gboolean    has_operator)
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
      return;
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
      return;
    }

  if (has_operator)
    {
      ignore_statement (ps, start, end, line,
                        _("command with pipes, redirections or && / ||; never run"));
      return;
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
          while (p < w->end && is_name_char (*p))
            p++;
          if (p != w->end || !is_name_start (*w->start))
            {
              ignore_statement (ps, start, end, line, _("not a plain export; ignored"));
              return;
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
              return;
            }
        }
    }

  for (guint i = first; i < words->len; i++)
    {
      const Word *w = &g_array_index (words, Word, i);

      if (assignment_name_len (w, &append) > 0)
        assign (ps, w, line_at (ps, w->start));
    }
}

/* "#@#NAME = value" lines: the ENUMERATE metadata that ctys writes into
 * comments.  Used as a fallback for LABEL, UUID, MAC0, IP0, DIST ... */
static void
parse_meta (Parser     *ps,
            const char *p,
            const char *eol)
{
  HgCtysImport *imp = ps->imp;
  const char *n = p, *v;
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  CtysVar *var;
  gsize len;

  while (n < eol && (is_name_char (*n) || *n == '-'))
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
      var = g_new0 (CtysVar, 1);
      var->name = g_steal_pointer (&name);
      g_ptr_array_add (imp->meta_order, var);
      g_hash_table_insert (imp->meta, var->name, var);
    }
  g_free (var->value);
  var->value = g_steal_pointer (&value);
  var->line = line_at (ps, p);
}

static const char *
skip_blanks (Parser     *ps,
             const char *p)
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
line_end (Parser     *ps,
          const char *p)
{
  const char *nl = memchr (p, '\n', ps->end - p);

  return nl ? nl : ps->end;
}

static gboolean
parse_all (Parser *ps)
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
      line = line_at (ps, p);
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
                  de = lex_word (ps, d);
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
          w.end = lex_word (ps, p);
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

      process_statement (ps, words, stmt_start, p, line, has_operator);
    }

  if (ps->depth > 0)
    hg_ctys_add_note (ps->imp->parse_notes, HG_CTYS_NOTE_INFO, line_at (ps, ps->end), NULL, NULL,
              _("the file ends inside an open shell block (if, case, loop or function)"));
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Parsing entry points
 * ------------------------------------------------------------------------ */

static HgCtysImport *
import_new (const char *path_for_messages)
{
  HgCtysImport *self = g_new0 (HgCtysImport, 1);

  if (path_for_messages != NULL)
    {
      self->path = g_canonicalize_filename (path_for_messages, NULL);
      self->dir = g_path_get_dirname (self->path);
      self->display = g_strdup (path_for_messages);
    }
  else
    self->display = g_strdup ("<data>");

  self->vars = g_hash_table_new (g_str_hash, g_str_equal);
  self->order = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_ctys_var_free);
  self->meta = g_hash_table_new (g_str_hash, g_str_equal);
  self->meta_order = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_ctys_var_free);
  self->parse_notes = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_ctys_note_free);
  self->map_notes = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_ctys_note_free);
  self->notes = g_ptr_array_new ();
  self->unmapped = g_ptr_array_new ();
  self->ignored = g_ptr_array_new ();
  self->unevaluated = g_ptr_array_new ();
  return self;
}

void
hg_ctys_import_free (HgCtysImport *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->display);
  g_free (self->dir);
  g_hash_table_unref (self->vars);
  g_ptr_array_unref (self->order);
  g_hash_table_unref (self->meta);
  g_ptr_array_unref (self->meta_order);
  g_ptr_array_unref (self->notes);
  g_ptr_array_unref (self->unmapped);
  g_ptr_array_unref (self->ignored);
  g_ptr_array_unref (self->unevaluated);
  g_ptr_array_unref (self->parse_notes);
  g_ptr_array_unref (self->map_notes);
  g_free (self->label_override);
  g_free (self->label);
  g_clear_pointer (&self->config, hg_vm_config_unref);
  g_clear_error (&self->map_error);
  g_free (self);
}

HgCtysImport *
hg_ctys_parse_data (const char  *data,
                    gssize       length,
                    const char  *path_for_messages,
                    GError     **error)
{
  g_autoptr(HgCtysImport) self = NULL;
  g_autoptr(GArray) line_starts = NULL;
  const char *bad;
  Parser ps = { 0 };
  gsize len;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  self = import_new (path_for_messages);

  if (len > HG_CTYS_MAX_SIZE)
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE,
                   _("%s: file is larger than %d bytes; not a ctys configuration"),
                   self->display, HG_CTYS_MAX_SIZE);
      return NULL;
    }

  line_starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  {
    gsize zero = 0;

    g_array_append_val (line_starts, zero);
    for (gsize i = 0; i < len; i++)
      {
        if (data[i] == '\0')
          {
            g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_ENCODING,
                         _("%s:%u: NUL byte; not a text file"),
                         self->display, line_starts->len);
            return NULL;
          }
        if (data[i] == '\n' && i + 1 < len)
          {
            gsize next = i + 1;

            g_array_append_val (line_starts, next);
            if (line_starts->len > HG_CTYS_MAX_LINES)
              {
                g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE,
                             _("%s: more than %d lines; not a ctys configuration"),
                             self->display, HG_CTYS_MAX_LINES);
                return NULL;
              }
          }
      }
  }

  ps.imp = self;
  ps.start = data;
  ps.end = data + len;
  ps.line_starts = line_starts;
  ps.error = error;

  if (!g_utf8_validate (data, len, &bad))
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_ENCODING,
                   _("%s:%u: invalid UTF-8 byte 0x%02x"),
                   self->display, line_at (&ps, bad), (guchar) *bad);
      return NULL;
    }

  if (!parse_all (&ps))
    return NULL;

  return g_steal_pointer (&self);
}

HgCtysImport *
hg_ctys_parse_file (const char  *path,
                    GError     **error)
{
  g_autofree char *buf = NULL;
  gsize len = 0;
  struct stat st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: cannot open: %s"), path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      close (fd);
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: is a directory, not a .ctys file"), path);
      return NULL;
    }

  /* Read at most one byte more than allowed: never slurp a huge file. */
  buf = g_malloc (HG_CTYS_MAX_SIZE + 2);
  while (len < HG_CTYS_MAX_SIZE + 1)
    {
      gssize n = read (fd, buf + len, HG_CTYS_MAX_SIZE + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                       _("%s: cannot read: %s"), path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
    }
  close (fd);
  buf[len] = '\0';

  return hg_ctys_parse_data (buf, len, path, error);
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------ */

const char *
hg_ctys_import_get_path (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const char *
hg_ctys_import_get_value (HgCtysImport *self,
                          const char   *name)
{
  CtysVar *var;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  var = g_hash_table_lookup (self->vars, name);
  return var ? var->value : NULL;
}

guint
hg_ctys_import_get_line (HgCtysImport *self,
                         const char   *name)
{
  CtysVar *var;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  var = g_hash_table_lookup (self->vars, name);
  return var ? var->line : 0;
}
