/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-import"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hg-import-private.h"

/* A small element tree of an XML file, read with GLib's GMarkup (no XML
 * library).  GMarkup expands only XML's five entities and character
 * references; a DOCTYPE (where entities would be declared: "billion
 * laughs", external entities) is refused outright, as is any other
 * declaration. */

typedef struct {
  const char *display;
  HgXmlNode  *root;
  HgXmlNode  *current;
  guint       depth;
  guint       count;
} Builder;

static const char *
strip_prefix (const char *name)
{
  const char *colon = strchr (name, ':');

  return colon != NULL ? colon + 1 : name;
}

static guint
line_of (GMarkupParseContext *context)
{
  int line = 0;

  g_markup_parse_context_get_position (context, &line, NULL);
  return (guint) line;
}

static void
on_start (GMarkupParseContext  *context,
          const char           *element,
          const char          **names,
          const char          **values,
          gpointer              data,
          GError              **error)
{
  Builder *b = data;
  HgXmlNode *node;
  guint n = g_strv_length ((char **) names);

  if (++b->depth > HG_IMPORT_MAX_XML_DEPTH || ++b->count > HG_IMPORT_MAX_XML_NODES)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_TOO_LARGE,
                   _("%s:%u: more than %d levels or %d elements of XML; not imported"),
                   b->display, line_of (context), HG_IMPORT_MAX_XML_DEPTH, HG_IMPORT_MAX_XML_NODES);
      return;
    }
  node = g_new0 (HgXmlNode, 1);
  node->name = g_strdup (strip_prefix (element));
  node->attr_names = g_new0 (char *, n + 1);
  node->attr_values = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      node->attr_names[i] = g_strdup (strip_prefix (names[i]));
      node->attr_values[i] = g_strdup (values[i]);
    }
  node->text = g_string_new (NULL);
  node->line = line_of (context);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) _hg_xml_node_free);
  node->parent = b->current;
  if (b->current != NULL)
    g_ptr_array_add (b->current->children, node);
  else
    b->root = node;
  b->current = node;
}

static void
on_end (GMarkupParseContext  *context,
        const char           *element,
        gpointer              data,
        GError              **error)
{
  Builder *b = data;

  b->depth--;
  if (b->current != NULL)
    b->current = b->current->parent;
}

static void
on_text (GMarkupParseContext  *context,
         const char           *text,
         gsize                 len,
         gpointer              data,
         GError              **error)
{
  Builder *b = data;

  if (b->current != NULL && b->current->text->len < 64 * 1024)
    g_string_append_len (b->current->text, text, MIN (len, 64 * 1024));
}

static void
on_passthrough (GMarkupParseContext  *context,
                const char           *text,
                gsize                 len,
                gpointer              data,
                GError              **error)
{
  Builder *b = data;

  /* comments, processing instructions and CDATA are fine; declarations
   * (<!DOCTYPE, <!ENTITY ...) are not */
  if (len >= 2 && text[0] == '<' && text[1] == '!' &&
      !(len >= 4 && strncmp (text, "<!--", 4) == 0) &&
      !(len >= 9 && strncmp (text, "<![CDATA[", 9) == 0))
    {
      guint line = line_of (context);

      /* GMarkup is at its end: name the line where it starts */
      for (gsize i = 0; i < len && line > 1; i++)
        line -= text[i] == '\n';
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSAFE,
                   _("%s:%u: a DOCTYPE or entity declaration; refused (entities are never "
                     "expanded)"),
                   b->display, line);
    }
}

static const GMarkupParser parser = {
  on_start, on_end, on_text, on_passthrough, NULL,
};

HgXmlNode *
_hg_xml_parse (const char *display,
               const char *data,
               gsize       len,
               GError    **error)
{
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) local = NULL;
  Builder b = { display, NULL, NULL, 0, 0 };

  /* refused before any parsing, wherever it stands (even in a comment) */
  for (const char *p = data; p != NULL && (gsize) (p - data) < len; )
    {
      p = memchr (p, '<', len - (p - data));
      if (p == NULL)
        break;
      if ((gsize) (len - (p - data)) >= 9 &&
          (strncmp (p, "<!DOCTYPE", 9) == 0 || strncmp (p, "<!ENTITY", 8) == 0))
        {
          guint line = 1;

          for (const char *q = data; q < p; q++)
            line += *q == '\n';
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSAFE,
                       _("%s:%u: a DOCTYPE or entity declaration; refused (entities are never "
                         "expanded)"),
                       display, line);
          return NULL;
        }
      p++;
    }

  context = g_markup_parse_context_new (&parser, 0, &b, NULL);
  if (!g_markup_parse_context_parse (context, data, len, &local) ||
      !g_markup_parse_context_end_parse (context, &local))
    {
      g_clear_pointer (&b.root, _hg_xml_node_free);
      if (local->domain == HG_IMPORT_ERROR)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: malformed XML: %s"), display, line_of (context), local->message);
        }
      return NULL;
    }
  if (b.root == NULL)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:1: no XML element"), display);
      return NULL;
    }
  return b.root;
}

void
_hg_xml_node_free (HgXmlNode *node)
{
  if (node == NULL)
    return;
  g_free (node->name);
  g_strfreev (node->attr_names);
  g_strfreev (node->attr_values);
  g_string_free (node->text, TRUE);
  g_ptr_array_unref (node->children);
  g_free (node);
}

HgXmlNode *
_hg_xml_child (HgXmlNode  *node,
               const char *name)
{
  if (node == NULL)
    return NULL;
  for (guint i = 0; i < node->children->len; i++)
    {
      HgXmlNode *child = g_ptr_array_index (node->children, i);

      if (strcmp (child->name, name) == 0)
        return child;
    }
  return NULL;
}

HgXmlNode *
_hg_xml_find (HgXmlNode  *node,
              const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = 0; node != NULL && parts[i] != NULL; i++)
    node = _hg_xml_child (node, parts[i]);
  return node;
}

const char *
_hg_xml_attr (HgXmlNode  *node,
              const char *name)
{
  if (node == NULL)
    return NULL;
  for (guint i = 0; node->attr_names[i] != NULL; i++)
    if (strcmp (node->attr_names[i], name) == 0)
      return node->attr_values[i];
  return NULL;
}

const char *
_hg_xml_text (HgXmlNode *node)
{
  if (node == NULL)
    return NULL;
  g_strstrip (node->text->str);
  node->text->len = strlen (node->text->str);
  return node->text->str;
}
