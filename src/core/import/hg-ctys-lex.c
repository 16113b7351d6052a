/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hg-ctys-private.h"

#define MAX_NESTING 32      /* ${..${..}} / $( $( ) ) depth */

/* ------------------------------------------------------------------------
 * Lexing helpers: find where quoted and substituted text ends
 * ------------------------------------------------------------------------ */

guint
_hg_ctys_line_at (HgCtysParser *ps,
                  const char   *p)
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
syntax_error (HgCtysParser *ps,
              const char   *at,
              const char   *what)
{
  g_set_error (ps->error, HG_CTYS_ERROR, HG_CTYS_ERROR_SYNTAX,
               _("%s:%u: %s"), ps->imp->display, _hg_ctys_line_at (ps, at), what);
  return FALSE;
}

static const char *skip_dollar (HgCtysParser *ps, const char *p, int nest);

/* p at the opening '; returns the position after the closing ' */
static const char *
skip_single (HgCtysParser *ps,
             const char   *p)
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
skip_backtick (HgCtysParser *ps,
               const char   *p)
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
skip_double (HgCtysParser *ps,
             const char   *p,
             int           nest)
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
skip_dollar (HgCtysParser *ps,
             const char   *p,
             int           nest)
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

gboolean
_hg_ctys_is_name_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

gboolean
_hg_ctys_is_name_char (char c)
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
const char *
_hg_ctys_lex_word (HgCtysParser *ps,
                   const char   *p)
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

static void
unevaluated (HgCtysExpand *ex,
             const char   *text,
             gsize         len,
             const char   *message)
{
  g_autofree char *t = g_strndup (text, len);

  _hg_ctys_add_note (ex->ps->imp->parse_notes, HG_CTYS_NOTE_UNEVALUATED, ex->line,
            ex->key, t, "%s", message);
}

static gboolean bound_error (HgCtysExpand *ex,
                             const char   *format,
                             ...) G_GNUC_PRINTF (2, 3);

/* "FILE:LINE: what passed which bound"; marks the expansion failed */
static gboolean
bound_error (HgCtysExpand *ex,
             const char   *format,
             ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (ex->ps->error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE,
               _("%s:%u: %s"), ex->ps->imp->display, ex->line, what);
  ex->failed = TRUE;
  return FALSE;
}

/* Counts one expansion against HG_CTYS_MAX_EXPANSIONS. */
static gboolean
count_expansion (HgCtysExpand *ex)
{
  HgCtysParser *ps = ex->ps;

  if (ex->failed)
    return FALSE;
  if (++ps->expansions <= HG_CTYS_MAX_EXPANSIONS)
    return TRUE;
  return bound_error (ex, _("more than %d variable expansions; not a ctys configuration"),
                      HG_CTYS_MAX_EXPANSIONS);
}

gboolean
_hg_ctys_check_value (HgCtysExpand *ex,
                      gsize         len)
{
  if (ex->failed)
    return FALSE;
  if (len <= HG_CTYS_MAX_VALUE)
    return TRUE;
  return bound_error (ex, _("the value of %s is longer than %d bytes once its variables are expanded; not a ctys configuration"),
                      ex->key, HG_CTYS_MAX_VALUE);
}

gboolean
_hg_ctys_add_expanded (HgCtysExpand *ex,
                       gsize         len)
{
  HgCtysParser *ps = ex->ps;

  if (ex->failed)
    return FALSE;
  ps->expanded += len;
  if (ps->expanded <= HG_CTYS_MAX_EXPANDED)
    return TRUE;
  return bound_error (ex, _("the values of this file pass %d bytes in all once expanded; not a ctys configuration"),
                      HG_CTYS_MAX_EXPANDED);
}

/* Appends an expanded value: the only way a value grows faster than the
 * file, so the bound on one value is checked here. */
static gboolean
append_expansion (HgCtysExpand *ex,
                  GString      *out,
                  const char   *value,
                  gsize         len)
{
  if (!_hg_ctys_check_value (ex, out->len + len))
    return FALSE;
  g_string_append_len (out, value, len);
  return TRUE;
}

static HgCtysVar *
lookup_var (HgCtysImport *imp,
            const char   *name,
            gsize         len)
{
  g_autofree char *n = g_strndup (name, len);

  return g_hash_table_lookup (imp->vars, n);
}

/* p at '$' (inside [p, e)); appends the expansion and returns the position
 * after the construct, or NULL when a bound is passed. */
static const char *
expand_dollar (HgCtysExpand *ex,
               const char   *p,
               const char   *e,
               int           nest,
               GString      *out)
{
  HgCtysParser *ps = ex->ps;
  const char *after;

  if (p + 1 >= e)
    {
      g_string_append_c (out, '$');
      return p + 1;
    }

  if ((p[1] == '(' || p[1] == '{' || _hg_ctys_is_name_start (p[1]) ||
       strchr ("0123456789@*#?$!-", p[1]) != NULL) && !count_expansion (ex))
    return NULL;

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
      HgCtysVar *var;

      after = skip_dollar (ps, p, nest);
      g_assert (after != NULL && after <= e);
      in_end = after - 1;  /* the closing brace */

      while (n < in_end && _hg_ctys_is_name_char (*n))
        n++;

      if (n == in || !_hg_ctys_is_name_start (*in) || nest >= MAX_NESTING)
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
            {
              if (!append_expansion (ex, out, var->value, strlen (var->value)))
                return NULL;
            }
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
              {
                if (!append_expansion (ex, out, var->value, strlen (var->value)))
                  return NULL;
              }
            else
              {
                g_autoptr(GString) def = g_string_new (NULL);

                if (!_hg_ctys_expand_range (ex, word, in_end, FALSE, nest + 1, def) ||
                    !append_expansion (ex, out, def->str, def->len))
                  return NULL;
                if (kind == '=')
                  {
                    if (!_hg_ctys_add_expanded (ex, def->len))
                      return NULL;
                    /* ${VAR:=word} also assigns VAR, as the shell does */
                    HgCtysVar *nv = g_new0 (HgCtysVar, 1);

                    nv->name = g_strndup (in, n - in);
                    nv->value = g_strdup (def->str);
                    nv->line = ex->line;
                    if (var != NULL)
                      {
                        g_free (var->value);
                        var->value = g_strdup (def->str);
                        var->line = ex->line;
                        _hg_ctys_var_free (nv);
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
            if (set && !_hg_ctys_expand_range (ex, word, in_end, FALSE, nest + 1, out))
              return NULL;
            return after;
          }
      }

      g_string_append_len (out, p, after - p);
      unevaluated (ex, p, after - p,
                   _("this parameter expansion is not evaluated; kept literally"));
      return after;
    }

  if (_hg_ctys_is_name_start (p[1]))
    {
      const char *n = p + 1;
      HgCtysVar *var;

      while (n < e && _hg_ctys_is_name_char (*n))
        n++;
      var = lookup_var (ps->imp, p + 1, n - (p + 1));
      if (var != NULL)
        {
          if (!append_expansion (ex, out, var->value, strlen (var->value)))
            return NULL;
        }
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

gboolean
_hg_ctys_expand_range (HgCtysExpand *ex,
                       const char   *p,
                       const char   *e,
                       gboolean      in_dquote,
                       int           nest,
                       GString      *out)
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
          if (!_hg_ctys_expand_range (ex, p + 1, q - 1, TRUE, nest, out))
            return FALSE;
          p = q;
        }
      else if (c == '`')
        {
          const char *q = skip_backtick (ex->ps, p);

          g_assert (q != NULL && q <= e);
          if (!count_expansion (ex))
            return FALSE;
          g_string_append_len (out, p, q - p);
          unevaluated (ex, p, q - p,
                       _("backtick command substitution is never run; kept literally"));
          p = q;
        }
      else if (c == '$')
        {
          p = expand_dollar (ex, p, e, nest, out);
          if (p == NULL)
            return FALSE;
        }
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
  return !ex->failed;
}
