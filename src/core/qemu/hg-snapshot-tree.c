/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hg-qmp-commands.h"
#include "hg-snapshot-tree.h"

/*
 * The snapshot tree as data.  QEMU's internal snapshots are a flat list of
 * tags in each qcow2 image; the tree (parent, the current state), the
 * names shown, the descriptions and whether the RAM is in are Hangar's,
 * kept in the VM's config as [snapshot:TAG] groups and [snapshots]
 * current=TAG.  The images are the truth: at every look the metadata is
 * made to agree with them (hg_snapshot_tree_reconcile).  No I/O here:
 * hg-vm-snapshots.c reads the images and saves the config.
 */

#define GROUP_PREFIX "snapshot:"
#define CURRENT_GROUP "snapshots"

void
hg_snapshot_free (HgSnapshot *s)
{
  if (s == NULL)
    return;
  g_free (s->tag);
  g_free (s->name);
  g_free (s->description);
  g_free (s->parent);
  g_free (s);
}

void
hg_snapshot_tree_free (HgSnapshotTree *tree)
{
  if (tree == NULL)
    return;
  g_ptr_array_unref (tree->snapshots);
  g_ptr_array_unref (tree->notes);
  g_free (tree->current);
  g_free (tree);
}

/* *slot = a copy of value (which may be *slot itself) */
static void
set_str (char **slot, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

static HgSnapshotTree *
tree_new (void)
{
  HgSnapshotTree *tree = g_new0 (HgSnapshotTree, 1);

  tree->snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_snapshot_free);
  tree->notes = g_ptr_array_new_with_free_func (g_free);
  return tree;
}

HgSnapshot *
hg_snapshot_tree_find_tag (HgSnapshotTree *tree, const char *tag)
{
  for (guint i = 0; tag != NULL && i < tree->snapshots->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);

      if (g_strcmp0 (s->tag, tag) == 0)
        return s;
    }
  return NULL;
}

HgSnapshot *
hg_snapshot_tree_find (HgSnapshotTree *tree,
                       const char     *name)
{
  g_return_val_if_fail (tree != NULL, NULL);

  for (guint i = 0; name != NULL && i < tree->snapshots->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);

      if (g_strcmp0 (s->name, name) == 0)
        return s;
    }
  return hg_snapshot_tree_find_tag (tree, name);
}

static gint
by_time (gconstpointer a, gconstpointer b)
{
  const HgSnapshot *sa = *(HgSnapshot * const *) a;
  const HgSnapshot *sb = *(HgSnapshot * const *) b;

  /* g_ptr_array_sort is stable: taken in the same second, in the order
   * they were taken (the config's) */
  if (sa->time != sb->time)
    return sa->time < sb->time ? -1 : 1;
  return 0;
}

/* Text a config value may hold: no control characters, not too long */
gboolean
hg_snapshot_text_is_valid (const char *text)
{
  if (!g_utf8_validate (text, -1, NULL) || strlen (text) > 4096)
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

HgSnapshotTree *
hg_snapshot_tree_from_keyfile (GKeyFile *keyfile)
{
  HgSnapshotTree *tree = tree_new ();
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (keyfile != NULL, tree);

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *tag = groups[i] + strlen (GROUP_PREFIX);
      g_autoptr(GDateTime) when = NULL;
      g_autofree char *time = NULL;
      HgSnapshot *s;

      if (!g_str_has_prefix (groups[i], GROUP_PREFIX))
        continue;
      if (!hg_qmp_snapshot_name_is_valid (tag, NULL))
        {
          g_ptr_array_add (tree->notes,
                           g_strdup_printf (_("[%s]: “%s” is not a snapshot name; the group is ignored"),
                                            groups[i], tag));
          continue;
        }
      s = g_new0 (HgSnapshot, 1);
      s->tag = g_strdup (tag);
      s->name = g_key_file_get_string (keyfile, groups[i], "name", NULL);
      if (s->name == NULL || !hg_qmp_snapshot_name_is_valid (s->name, NULL))
        set_str (&s->name, tag);
      s->description = g_key_file_get_string (keyfile, groups[i], "description", NULL);
      if (s->description != NULL && (*s->description == '\0' || !hg_snapshot_text_is_valid (s->description)))
        g_clear_pointer (&s->description, g_free);
      s->parent = g_key_file_get_string (keyfile, groups[i], "parent", NULL);
      if (s->parent != NULL && !hg_qmp_snapshot_name_is_valid (s->parent, NULL))
        g_clear_pointer (&s->parent, g_free);
      s->ram = g_key_file_get_boolean (keyfile, groups[i], "ram", NULL);
      time = g_key_file_get_string (keyfile, groups[i], "time", NULL);
      if (time != NULL && (when = g_date_time_new_from_iso8601 (time, NULL)) != NULL)
        s->time = g_date_time_to_unix (when);
      g_ptr_array_add (tree->snapshots, s);
    }
  tree->current = g_key_file_get_string (keyfile, CURRENT_GROUP, "current", NULL);
  if (tree->current != NULL && hg_snapshot_tree_find_tag (tree, tree->current) == NULL)
    g_clear_pointer (&tree->current, g_free);
  /* a parent that is no snapshot, or a loop, makes a root */
  for (guint i = 0; i < tree->snapshots->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);
      HgSnapshot *p = hg_snapshot_tree_find_tag (tree, s->parent);
      guint depth = 0;

      for (; p != NULL && p != s && depth <= tree->snapshots->len; depth++)
        p = hg_snapshot_tree_find_tag (tree, p->parent);
      if (s->parent != NULL && (hg_snapshot_tree_find_tag (tree, s->parent) == NULL || p == s))
        g_clear_pointer (&s->parent, g_free);
    }
  g_ptr_array_sort (tree->snapshots, by_time);
  return tree;
}

void
hg_snapshot_tree_to_keyfile (HgSnapshotTree *tree,
                             GKeyFile       *keyfile)
{
  g_auto(GStrv) groups = NULL;

  g_return_if_fail (tree != NULL);
  g_return_if_fail (keyfile != NULL);

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], GROUP_PREFIX))
      g_key_file_remove_group (keyfile, groups[i], NULL);
  g_key_file_remove_group (keyfile, CURRENT_GROUP, NULL);

  for (guint i = 0; i < tree->snapshots->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);
      g_autofree char *group = NULL;

      if (s->found_in_disk)
        continue;
      group = g_strconcat (GROUP_PREFIX, s->tag, NULL);
      if (g_strcmp0 (s->name, s->tag) != 0)
        g_key_file_set_string (keyfile, group, "name", s->name);
      if (s->description != NULL)
        g_key_file_set_string (keyfile, group, "description", s->description);
      if (s->time != 0)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (s->time);
          g_autofree char *text = g_date_time_format_iso8601 (when);

          g_key_file_set_string (keyfile, group, "time", text);
        }
      if (s->parent != NULL)
        g_key_file_set_string (keyfile, group, "parent", s->parent);
      g_key_file_set_boolean (keyfile, group, "ram", s->ram);
    }
  if (tree->current != NULL)
    g_key_file_set_string (keyfile, CURRENT_GROUP, "current", tree->current);
}

/* Children of s get its parent */
static void
reparent_children (HgSnapshotTree *tree,
                   HgSnapshot     *s)
{
  for (guint i = 0; i < tree->snapshots->len; i++)
    {
      HgSnapshot *c = g_ptr_array_index (tree->snapshots, i);

      if (c != s && g_strcmp0 (c->parent, s->tag) == 0)
        set_str (&c->parent, s->parent);
    }
}

void
hg_snapshot_tree_remove (HgSnapshotTree *tree,
                         HgSnapshot     *s)
{
  reparent_children (tree, s);
  if (g_strcmp0 (tree->current, s->tag) == 0)
    set_str (&tree->current, s->parent);
  g_ptr_array_remove (tree->snapshots, s);
}

gboolean
hg_snapshot_tree_reconcile (HgSnapshotTree     *tree,
                            const char * const *in_image,
                            const gint64       *times)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (tree != NULL, FALSE);

  for (guint i = 0; i < tree->snapshots->len;)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);

      if (in_image != NULL && g_strv_contains (in_image, s->tag))
        {
          i++;
          continue;
        }
      g_ptr_array_add (tree->notes,
                       g_strdup_printf (_("Snapshot “%s” is no longer in the disks: "
                                          "its description and place in the tree were dropped"),
                                        s->name));
      hg_snapshot_tree_remove (tree, s);
      changed = TRUE;
    }
  for (guint i = 0; in_image != NULL && in_image[i] != NULL; i++)
    {
      HgSnapshot *s;

      if (hg_snapshot_tree_find_tag (tree, in_image[i]) != NULL)
        continue;
      s = g_new0 (HgSnapshot, 1);
      s->tag = g_strdup (in_image[i]);
      s->name = g_strdup (in_image[i]);
      s->time = times != NULL ? times[i] : 0;
      s->found_in_disk = TRUE;
      g_ptr_array_add (tree->snapshots, s);
    }
  g_ptr_array_sort (tree->snapshots, by_time);
  return changed;
}

/* ---- text and JSON ------------------------------------------------------ */

static void
format_children (HgSnapshotTree *tree,
                 const char     *parent,
                 const char     *prefix,
                 GString        *out)
{
  g_autoptr(GPtrArray) kids = g_ptr_array_new ();

  for (guint i = 0; i < tree->snapshots->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);

      if (g_strcmp0 (s->parent, parent) == 0)
        g_ptr_array_add (kids, s);
    }
  for (guint i = 0; i < kids->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (kids, i);
      gboolean last = i + 1 == kids->len;
      g_autofree char *sub = NULL;

      g_string_append_printf (out, "%s%s%s", prefix, last ? "`-- " : "|-- ", s->name);
      if (s->time != 0)
        {
          g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (s->time);
          g_autoptr(GDateTime) when = g_date_time_to_local (utc);
          g_autofree char *text = g_date_time_format (when, "%Y-%m-%d %H:%M");

          g_string_append_printf (out, "  %s", text);
        }
      if (s->found_in_disk)
        g_string_append (out, _("  [found in the disk]"));
      else
        g_string_append (out, s->ram ? _("  (running)") : _("  (disks)"));
      if (s->description != NULL)
        g_string_append_printf (out, "  “%s”", s->description);
      g_string_append_c (out, '\n');
      sub = g_strconcat (prefix, last ? "    " : "|   ", NULL);
      format_children (tree, s->tag, sub, out);
      if (g_strcmp0 (tree->current, s->tag) == 0)
        g_string_append_printf (out, "%s%s%s\n", sub, "`-- ", _("You are here"));
    }
}

char *
hg_snapshot_tree_format (HgSnapshotTree *tree)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (tree != NULL, NULL);

  if (tree->snapshots->len == 0)
    {
      g_string_append_printf (out, "%s\n", _("no snapshots"));
      return g_string_free (out, FALSE);
    }
  format_children (tree, NULL, "", out);
  if (tree->current == NULL)
    g_string_append_printf (out, "`-- %s\n", _("You are here"));
  return g_string_free (out, FALSE);
}

static JsonNode *
json_children (HgSnapshotTree *tree,
               const char     *parent)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < tree->snapshots->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);

      if (g_strcmp0 (s->parent, parent) != 0)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, s->name);
      json_builder_set_member_name (b, "tag");
      json_builder_add_string_value (b, s->tag);
      json_builder_set_member_name (b, "description");
      if (s->description != NULL)
        json_builder_add_string_value (b, s->description);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "time");
      if (s->time != 0)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (s->time);
          g_autofree char *text = g_date_time_format_iso8601 (when);

          json_builder_add_string_value (b, text);
        }
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "parent");
      if (s->parent != NULL)
        json_builder_add_string_value (b, s->parent);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "ram");
      if (s->found_in_disk)
        json_builder_add_null_value (b);   /* unknown */
      else
        json_builder_add_boolean_value (b, s->ram);
      json_builder_set_member_name (b, "found-in-disk");
      json_builder_add_boolean_value (b, s->found_in_disk);
      json_builder_set_member_name (b, "current");
      json_builder_add_boolean_value (b, g_strcmp0 (tree->current, s->tag) == 0);
      json_builder_set_member_name (b, "children");
      json_builder_add_value (b, json_children (tree, s->tag));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

JsonNode *
hg_snapshot_tree_to_json (HgSnapshotTree *tree)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (tree != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "current");
  if (tree->current != NULL)
    json_builder_add_string_value (b, tree->current);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "snapshots");
  json_builder_add_value (b, json_children (tree, NULL));
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint i = 0; i < tree->notes->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (tree->notes, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
