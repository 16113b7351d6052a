/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hg-vm-tree.h"

enum {
  COL_KIND,
  COL_ICON,
  COL_TITLE,
  COL_ARCH,
  COL_ACCEL,
  COL_KEY,
  COL_ERROR,
  COL_STATE,
  COL_SORT,
  COL_CONFIG,
  COL_TOOLTIP,
  N_COLUMNS
};

typedef enum {
  KIND_BASE,
  KIND_FOLDER,
  KIND_VM,
} RowKind;

struct _HgVmTree
{
  GtkBox              parent_instance;

  /* template */
  GtkSearchEntry     *search_entry;
  GtkTreeView        *tree_view;
  GtkTreeSelection   *selection;
  GMenuModel         *context_menu;

  GtkTreeStore       *store;
  GtkTreeModelFilter *filter;
  char               *filter_text;     /* casefolded, NULL = everything */
  char               *selected_path;
  GHashTable         *rows;            /* config path -> GtkTreeRowReference (store) */
  guint               updating;        /* begin_update depth: view detached */
  char               *selected_error;  /* returned by hg_vm_tree_get_selected */
};

G_DEFINE_FINAL_TYPE (HgVmTree, hg_vm_tree, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_SELECTED_PATH,
  PROP_FILTER_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
hg_vm_tree_new (void)
{
  return g_object_new (HG_TYPE_VM_TREE, NULL);
}

const char *
hg_vm_tree_state_icon_name (const char *state)
{
  if (g_strcmp0 (state, "running") == 0)
    return "media-playback-start-symbolic";
  if (g_strcmp0 (state, "paused") == 0)
    return "media-playback-pause-symbolic";
  if (g_strcmp0 (state, "starting") == 0 || g_strcmp0 (state, "shutting-down") == 0)
    return "content-loading-symbolic";
  if (g_strcmp0 (state, "crashed") == 0)
    return "dialog-error-symbolic";
  if (g_strcmp0 (state, "not-responding") == 0)
    return "action-unavailable-symbolic";
  return "system-shutdown-symbolic";
}

/* ---- building the tree -------------------------------------------------- */

/* Finds the child of parent with kind and sort key, or inserts one in order
 * (groups before VMs, then by key). */
static gboolean
find_or_insert (HgVmTree    *self,
                GtkTreeIter *parent,
                RowKind      kind,
                const char  *sort_key,
                GtkTreeIter *out)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter iter;
  gboolean valid;
  int position = 0;
  int n = gtk_tree_model_iter_n_children (model, parent);

  /* A library comes sorted: a VM after the last VM is appended at once */
  if (kind == KIND_VM && n > 0 &&
      gtk_tree_model_iter_nth_child (model, &iter, parent, n - 1))
    {
      int last_kind;
      g_autofree char *last_sort = NULL;

      gtk_tree_model_get (model, &iter, COL_KIND, &last_kind, COL_SORT, &last_sort, -1);
      if (last_kind == KIND_VM && g_strcmp0 (last_sort, sort_key) <= 0)
        {
          gtk_tree_store_insert (self->store, out, parent, -1);
          return FALSE;
        }
    }
  valid = gtk_tree_model_iter_children (model, &iter, parent);

  for (; valid; valid = gtk_tree_model_iter_next (model, &iter), position++)
    {
      int row_kind;
      g_autofree char *row_sort = NULL;
      int cmp;

      gtk_tree_model_get (model, &iter, COL_KIND, &row_kind, COL_SORT, &row_sort, -1);
      /* folders before VMs; bases keep insertion order (the user's order) */
      if (kind == KIND_BASE)
        cmp = g_strcmp0 (row_sort, sort_key) == 0 ? 0 : -1;
      else if ((row_kind == KIND_VM) != (kind == KIND_VM))
        cmp = row_kind == KIND_VM ? 1 : -1;
      else
        cmp = g_strcmp0 (row_sort, sort_key);
      if (cmp == 0 && kind != KIND_VM)
        {
          *out = iter;
          return TRUE;
        }
      if (cmp > 0)
        break;
    }
  gtk_tree_store_insert (self->store, out, parent, kind == KIND_BASE ? -1 : position);
  return FALSE;
}

static char *
display_dir (const char *dir)
{
  const char *home = g_get_home_dir ();
  gsize len = strlen (home);

  if (len > 1 && g_str_has_prefix (dir, home) && (dir[len] == '/' || dir[len] == '\0'))
    return g_strconcat ("~", dir + len, NULL);
  return g_strdup (dir);
}

static void
ensure_group (HgVmTree    *self,
              const char  *base,
              const char  *folder,
              GtkTreeIter *out)
{
  GtkTreeIter parent;
  g_auto(GStrv) parts = NULL;
  g_autofree char *dir = NULL;

  if (!find_or_insert (self, NULL, KIND_BASE, base, &parent))
    {
      g_autofree char *shown = display_dir (base);
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", shown);
      g_autofree char *tip = g_markup_escape_text (base, -1);
      gtk_tree_store_set (self->store, &parent,
                          COL_KIND, KIND_BASE,
                          COL_ICON, "drive-harddisk-symbolic",
                          COL_TITLE, markup,
                          COL_KEY, base,
                          COL_SORT, base,
                          COL_TOOLTIP, tip,
                          -1);
    }

  dir = g_strdup (base);
  parts = g_strsplit (folder != NULL ? folder : "", "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      GtkTreeIter child;
      char *next;

      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      next = g_build_filename (dir, parts[i], NULL);
      g_free (dir);
      dir = next;
      if (!find_or_insert (self, &parent, KIND_FOLDER, parts[i], &child))
        {
          g_autofree char *markup = g_markup_escape_text (parts[i], -1);
          gtk_tree_store_set (self->store, &child,
                              COL_KIND, KIND_FOLDER,
                              COL_ICON, "folder-symbolic",
                              COL_TITLE, markup,
                              COL_KEY, dir,
                              COL_SORT, parts[i],
                              -1);
        }
      parent = child;
    }
  *out = parent;
}

static gboolean
lookup_row (HgVmTree    *self,
            const char  *config_path,
            GtkTreeIter *iter)
{
  const GtkTreeIter *row = g_hash_table_lookup (self->rows, config_path);

  if (row == NULL)
    return FALSE;
  *iter = *row;
  return TRUE;
}

static void
update_vm_row (HgVmTree    *self,
               GtkTreeIter *iter)
{
  g_autofree char *state = NULL;
  g_autofree char *error = NULL;
  HgVmConfig *config = NULL;
  const char *icon;

  gtk_tree_model_get (GTK_TREE_MODEL (self->store), iter,
                      COL_STATE, &state, COL_ERROR, &error, COL_CONFIG, &config, -1);
  if (config == NULL)
    icon = "dialog-warning-symbolic";
  else
    icon = hg_vm_tree_state_icon_name (state);
  gtk_tree_store_set (self->store, iter, COL_ICON, icon, -1);
  g_clear_pointer (&config, hg_vm_config_unref);
}

void
hg_vm_tree_add_vm (HgVmTree   *self,
                   const char *base,
                   const char *folder,
                   const char *config_path,
                   HgVmConfig *config,
                   const char *error)
{
  GtkTreeIter parent, iter;
  g_autofree char *label = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *state = NULL;
  g_autofree char *accel = NULL;

  g_return_if_fail (HG_IS_VM_TREE (self));
  g_return_if_fail (base != NULL);
  g_return_if_fail (config_path != NULL);
  g_return_if_fail (config != NULL || error != NULL);

  /* Replacing keeps the run state, which comes from elsewhere */
  if (lookup_row (self, config_path, &iter))
    gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COL_STATE, &state, -1);
  hg_vm_tree_remove_vm (self, config_path);
  if (config != NULL)
    accel = g_strdup (hg_accel_to_string (config->accel));

  if (config != NULL && config->label != NULL)
    label = g_strdup (config->label);
  else
    {
      label = g_path_get_basename (config_path);
      if (g_str_has_suffix (label, HG_CONFIG_SUFFIX))
        label[strlen (label) - strlen (HG_CONFIG_SUFFIX)] = '\0';
    }

  /* the label alone, so that it has the room; the rest in the tooltip */
  if (config == NULL)
    markup = g_markup_printf_escaped ("%s <small><span alpha=\"60%%\">%s</span></small>",
                                      label, _("cannot be loaded"));
  else
    markup = g_markup_escape_text (label, -1);
  if (config == NULL)
    tooltip = g_markup_printf_escaped ("<b>%s</b>\n%s", label, error);
  else
    tooltip = g_markup_printf_escaped ("<b>%s</b>%s%s\n%s", label,
                                       config->os_name != NULL ? " — " : "",
                                       config->os_name != NULL ? config->os_name : "",
                                       config_path);

  ensure_group (self, base, folder, &parent);
  find_or_insert (self, &parent, KIND_VM, label, &iter);
  gtk_tree_store_set (self->store, &iter,
                      COL_KIND, KIND_VM,
                      COL_TITLE, markup,
                      COL_ARCH, config != NULL ? config->arch : NULL,
                      COL_ACCEL, accel,
                      COL_KEY, config_path,
                      COL_ERROR, error,
                      COL_STATE, state != NULL ? state : "stopped",
                      COL_SORT, label,
                      COL_CONFIG, config,
                      COL_TOOLTIP, tooltip,
                      -1);
  update_vm_row (self, &iter);
  /* GtkTreeStore's iters persist while their row does (and rows leave
   * only through hg_vm_tree_remove_vm and hg_vm_tree_clear, which forget
   * them): no GtkTreeRowReference, which every insertion would walk */
  g_hash_table_replace (self->rows, g_strdup (config_path), g_memdup2 (&iter, sizeof iter));
  if (self->updating == 0)
    gtk_tree_view_expand_all (self->tree_view);
}

/* Removes empty folder rows above a removed VM (bases stay) */
static void
prune_empty_groups (HgVmTree    *self,
                    GtkTreeIter *group)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter iter = *group;

  for (;;)
    {
      GtkTreeIter parent;
      int kind;
      gboolean has_parent;

      gtk_tree_model_get (model, &iter, COL_KIND, &kind, -1);
      if (kind != KIND_FOLDER || gtk_tree_model_iter_has_child (model, &iter))
        return;
      has_parent = gtk_tree_model_iter_parent (model, &parent, &iter);
      gtk_tree_store_remove (self->store, &iter);
      if (!has_parent)
        return;
      iter = parent;
    }
}

gboolean
hg_vm_tree_remove_vm (HgVmTree   *self,
                      const char *config_path)
{
  GtkTreeIter iter, parent;
  gboolean has_parent;

  g_return_val_if_fail (HG_IS_VM_TREE (self), FALSE);
  g_return_val_if_fail (config_path != NULL, FALSE);

  if (!lookup_row (self, config_path, &iter))
    return FALSE;
  has_parent = gtk_tree_model_iter_parent (GTK_TREE_MODEL (self->store), &parent, &iter);
  gtk_tree_store_remove (self->store, &iter);
  g_hash_table_remove (self->rows, config_path);
  if (has_parent)
    prune_empty_groups (self, &parent);
  return TRUE;
}

void
hg_vm_tree_clear (HgVmTree *self)
{
  g_return_if_fail (HG_IS_VM_TREE (self));

  g_hash_table_remove_all (self->rows);
  gtk_tree_store_clear (self->store);
}

void
hg_vm_tree_set_vm_accel (HgVmTree   *self,
                         const char *config_path,
                         const char *accel)
{
  GtkTreeIter iter;
  HgVmConfig *config = NULL;

  g_return_if_fail (HG_IS_VM_TREE (self));

  if (!lookup_row (self, config_path, &iter))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COL_CONFIG, &config, -1);
  if (accel == NULL && config != NULL)
    accel = hg_accel_to_string (config->accel);
  gtk_tree_store_set (self->store, &iter, COL_ACCEL, accel, -1);
  g_clear_pointer (&config, hg_vm_config_unref);
}

void
hg_vm_tree_set_vm_state (HgVmTree   *self,
                         const char *config_path,
                         const char *state)
{
  GtkTreeIter iter;

  g_return_if_fail (HG_IS_VM_TREE (self));

  if (!lookup_row (self, config_path, &iter))
    return;
  gtk_tree_store_set (self->store, &iter, COL_STATE, state, -1);
  update_vm_row (self, &iter);
}

guint
hg_vm_tree_get_n_vms (HgVmTree *self)
{
  g_return_val_if_fail (HG_IS_VM_TREE (self), 0);
  return g_hash_table_size (self->rows);
}

/* ---- filter ------------------------------------------------------------- */

static gboolean
vm_row_matches (HgVmTree     *self,
                GtkTreeModel *model,
                GtkTreeIter  *iter)
{
  g_autofree char *sort = NULL;
  g_autofree char *arch = NULL;
  g_autofree char *key = NULL;
  g_autofree char *state = NULL;
  g_autofree char *haystack = NULL;
  g_autofree char *folded = NULL;
  HgVmConfig *config = NULL;
  gboolean match;

  gtk_tree_model_get (model, iter, COL_SORT, &sort, COL_ARCH, &arch, COL_KEY, &key,
                      COL_STATE, &state, COL_CONFIG, &config, -1);
  /* label, arch, state, OS and the folders on the path */
  haystack = g_strjoin (" ", sort, arch != NULL ? arch : "", state != NULL ? state : "",
                        config != NULL && config->os_name != NULL ? config->os_name : "",
                        key, NULL);
  g_clear_pointer (&config, hg_vm_config_unref);
  folded = g_utf8_casefold (haystack, -1);
  match = strstr (folded, self->filter_text) != NULL;
  return match;
}

static gboolean
row_visible (HgVmTree     *self,
             GtkTreeModel *model,
             GtkTreeIter  *iter)
{
  GtkTreeIter child;
  int kind;
  gboolean valid;

  gtk_tree_model_get (model, iter, COL_KIND, &kind, -1);
  if (kind == KIND_VM)
    return vm_row_matches (self, model, iter);
  for (valid = gtk_tree_model_iter_children (model, &child, iter); valid;
       valid = gtk_tree_model_iter_next (model, &child))
    if (row_visible (self, model, &child))
      return TRUE;
  return FALSE;
}

static gboolean
filter_visible_func (GtkTreeModel *model,
                     GtkTreeIter  *iter,
                     gpointer      user_data)
{
  HgVmTree *self = user_data;
  int kind;

  if (self->filter_text == NULL)
    return TRUE;
  /* Base rows stay so that the user sees where nothing matched */
  gtk_tree_model_get (model, iter, COL_KIND, &kind, -1);
  if (kind == KIND_BASE)
    return TRUE;
  return row_visible (self, model, iter);
}

void
hg_vm_tree_set_filter_text (HgVmTree   *self,
                            const char *text)
{
  g_autofree char *folded = NULL;

  g_return_if_fail (HG_IS_VM_TREE (self));

  /* the entry shows it (its delayed search-changed then finds it applied) */
  if (g_strcmp0 (text != NULL ? text : "", gtk_entry_get_text (GTK_ENTRY (self->search_entry))) != 0)
    gtk_entry_set_text (GTK_ENTRY (self->search_entry), text != NULL ? text : "");
  folded = text != NULL && text[0] != '\0' ? g_utf8_casefold (text, -1) : NULL;
  if (g_strcmp0 (folded, self->filter_text) == 0)
    return;
  g_free (self->filter_text);
  self->filter_text = g_steal_pointer (&folded);
  if (self->filter != NULL)
    {
      gtk_tree_model_filter_refilter (self->filter);
      gtk_tree_view_expand_all (self->tree_view);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER_TEXT]);
}

void
hg_vm_tree_focus_list (HgVmTree *self)
{
  g_return_if_fail (HG_IS_VM_TREE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->tree_view));
}

void
hg_vm_tree_focus_filter (HgVmTree *self)
{
  g_return_if_fail (HG_IS_VM_TREE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
on_search_changed (GtkSearchEntry *entry,
                   HgVmTree       *self)
{
  hg_vm_tree_set_filter_text (self, gtk_entry_get_text (GTK_ENTRY (entry)));
}

static void
on_stop_search (GtkSearchEntry *entry,
                HgVmTree       *self)
{
  gtk_entry_set_text (GTK_ENTRY (entry), "");
}

/* ---- selection ---------------------------------------------------------- */

static gboolean
get_selected_iter (HgVmTree    *self,
                   GtkTreeIter *store_iter)
{
  GtkTreeModel *model;
  GtkTreeIter iter;

  if (self->filter == NULL || !gtk_tree_selection_get_selected (self->selection, &model, &iter))
    return FALSE;
  gtk_tree_model_filter_convert_iter_to_child_iter (self->filter, store_iter, &iter);
  return TRUE;
}

static void
on_selection_changed (GtkTreeSelection *selection,
                      HgVmTree         *self)
{
  GtkTreeIter iter;
  g_autofree char *path = NULL;

  if (get_selected_iter (self, &iter))
    {
      int kind;
      gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COL_KIND, &kind, COL_KEY, &path, -1);
      if (kind != KIND_VM)
        g_clear_pointer (&path, g_free);
    }
  if (g_strcmp0 (path, self->selected_path) == 0)
    return;
  g_free (self->selected_path);
  self->selected_path = g_steal_pointer (&path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_PATH]);
}

const char *
hg_vm_tree_get_selected_path (HgVmTree *self)
{
  g_return_val_if_fail (HG_IS_VM_TREE (self), NULL);
  return self->selected_path;
}

HgVmConfig *
hg_vm_tree_get_selected (HgVmTree    *self,
                         const char **error)
{
  GtkTreeIter iter;
  HgVmConfig *config = NULL;
  g_autofree char *message = NULL;

  g_return_val_if_fail (HG_IS_VM_TREE (self), NULL);

  if (error != NULL)
    *error = NULL;
  if (self->selected_path == NULL || !lookup_row (self, self->selected_path, &iter))
    return NULL;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COL_CONFIG, &config, -1);
  if (error != NULL)
    {
      /* transfer none: kept until the next call (the store hands out copies) */
      g_clear_pointer (&self->selected_error, g_free);
      gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COL_ERROR, &self->selected_error, -1);
      *error = self->selected_error;
    }
  if (config != NULL)
    hg_vm_config_unref (config);   /* the store keeps a reference */
  return config;
}

gboolean
hg_vm_tree_select_path (HgVmTree   *self,
                        const char *config_path)
{
  GtkTreeIter iter, filter_iter;

  g_return_val_if_fail (HG_IS_VM_TREE (self), FALSE);

  if (self->filter == NULL || !lookup_row (self, config_path, &iter) ||
      !gtk_tree_model_filter_convert_child_iter_to_iter (self->filter, &filter_iter, &iter))
    return FALSE;
  gtk_tree_selection_select_iter (self->selection, &filter_iter);
  {
    g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->filter), &filter_iter);
    gtk_tree_view_scroll_to_cell (self->tree_view, path, NULL, FALSE, 0, 0);
  }
  return TRUE;
}

static gboolean
select_first_vm (HgVmTree    *self,
                 GtkTreeIter *parent)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->filter);
  GtkTreeIter iter;
  gboolean valid;

  for (valid = gtk_tree_model_iter_children (model, &iter, parent); valid;
       valid = gtk_tree_model_iter_next (model, &iter))
    {
      int kind;

      gtk_tree_model_get (model, &iter, COL_KIND, &kind, -1);
      if (kind == KIND_VM)
        {
          gtk_tree_selection_select_iter (self->selection, &iter);
          return TRUE;
        }
      if (select_first_vm (self, &iter))
        return TRUE;
    }
  return FALSE;
}

gboolean
hg_vm_tree_select_first (HgVmTree *self)
{
  g_return_val_if_fail (HG_IS_VM_TREE (self), FALSE);
  return self->filter != NULL && select_first_vm (self, NULL);
}

/* ---- bulk loads ---------------------------------------------------------- */

static void
attach_filter (HgVmTree *self)
{
  self->filter = GTK_TREE_MODEL_FILTER (gtk_tree_model_filter_new (GTK_TREE_MODEL (self->store), NULL));
  gtk_tree_model_filter_set_visible_func (self->filter, filter_visible_func, self, NULL);
  gtk_tree_view_set_model (self->tree_view, GTK_TREE_MODEL (self->filter));
  gtk_tree_view_expand_all (self->tree_view);
}

void
hg_vm_tree_begin_update (HgVmTree *self)
{
  g_return_if_fail (HG_IS_VM_TREE (self));

  /* Without a view and a filter above it, each insert costs what a store
   * insert costs: a library of thousands loads in one go. */
  if (self->updating++ > 0)
    return;
  g_clear_pointer (&self->selected_path, g_free);
  gtk_tree_view_set_model (self->tree_view, NULL);
  g_clear_object (&self->filter);
}

void
hg_vm_tree_end_update (HgVmTree *self)
{
  g_return_if_fail (HG_IS_VM_TREE (self));
  g_return_if_fail (self->updating > 0);

  if (--self->updating > 0)
    return;
  attach_filter (self);
  /* the selection went with the old model */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_PATH]);
}

/* ---- dump (tests) ------------------------------------------------------- */

static void
dump_level (HgVmTree    *self,
            GString     *out,
            GtkTreeIter *parent,
            guint        depth)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->filter);
  GtkTreeIter iter;
  gboolean valid;

  for (valid = gtk_tree_model_iter_children (model, &iter, parent); valid;
       valid = gtk_tree_model_iter_next (model, &iter))
    {
      g_autofree char *sort = NULL;
      g_autofree char *key = NULL;
      g_autofree char *arch = NULL;
      g_autofree char *accel = NULL;
      g_autofree char *state = NULL;
      g_autofree char *error = NULL;
      int kind;

      gtk_tree_model_get (model, &iter, COL_KIND, &kind, COL_SORT, &sort, COL_KEY, &key,
                          COL_ARCH, &arch, COL_ACCEL, &accel, COL_STATE, &state,
                          COL_ERROR, &error, -1);
      for (guint i = 0; i < depth; i++)
        g_string_append (out, "  ");
      if (kind == KIND_VM && error != NULL)
        g_string_append_printf (out, "%s [broken] %s\n", sort, error);
      else if (kind == KIND_VM)
        g_string_append_printf (out, "%s [%s, %s] %s\n", sort, arch, accel, state);
      else if (kind == KIND_BASE)
        g_string_append_printf (out, "%s/\n", key);
      else
        g_string_append_printf (out, "%s/\n", sort);
      dump_level (self, out, &iter, depth + 1);
    }
}

char *
hg_vm_tree_dump (HgVmTree *self)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (HG_IS_VM_TREE (self), NULL);
  if (self->filter != NULL)
    dump_level (self, out, NULL, 0);
  return g_string_free (out, FALSE);
}

/* ---- context menu ------------------------------------------------------- */

static void
popup_context_menu (HgVmTree *self,
                    GdkEvent *event)
{
  GtkWidget *menu = gtk_menu_new_from_model (self->context_menu);

  gtk_menu_attach_to_widget (GTK_MENU (menu), GTK_WIDGET (self->tree_view), NULL);
  g_signal_connect (menu, "deactivate", G_CALLBACK (gtk_widget_destroy), NULL);
  if (event != NULL)
    gtk_menu_popup_at_pointer (GTK_MENU (menu), event);
  else
    gtk_menu_popup_at_widget (GTK_MENU (menu), GTK_WIDGET (self->tree_view),
                              GDK_GRAVITY_CENTER, GDK_GRAVITY_NORTH_WEST, NULL);
}

static gboolean
on_button_press (GtkWidget      *widget,
                 GdkEventButton *event,
                 HgVmTree       *self)
{
  g_autoptr(GtkTreePath) path = NULL;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event))
    return GDK_EVENT_PROPAGATE;
  if (!gtk_tree_view_get_path_at_pos (self->tree_view, (int) event->x, (int) event->y,
                                      &path, NULL, NULL, NULL))
    return GDK_EVENT_PROPAGATE;
  gtk_tree_selection_select_path (self->selection, path);
  if (self->selected_path != NULL)
    popup_context_menu (self, (GdkEvent *) event);
  return GDK_EVENT_STOP;
}

static gboolean
on_popup_menu (GtkWidget *widget,
               HgVmTree  *self)
{
  if (self->selected_path == NULL)
    return FALSE;
  popup_context_menu (self, NULL);
  return TRUE;
}

static void
on_row_activated (GtkTreeView       *view,
                  GtkTreePath       *path,
                  GtkTreeViewColumn *column,
                  HgVmTree          *self)
{
  /* Double click / Enter: the VM's display */
  GActionGroup *win;

  if (self->selected_path == NULL)
    return;
  win = gtk_widget_get_action_group (gtk_widget_get_toplevel (GTK_WIDGET (self)), "win");
  if (win != NULL)
    g_action_group_activate_action (win, "page", g_variant_new_string ("display"));
}

/* ---- GObject ------------------------------------------------------------ */

static void
hg_vm_tree_dispose (GObject *object)
{
  HgVmTree *self = HG_VM_TREE (object);

  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hg_vm_tree_parent_class)->dispose (object);
}

static void
hg_vm_tree_finalize (GObject *object)
{
  HgVmTree *self = HG_VM_TREE (object);

  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->selected_path, g_free);
  g_clear_pointer (&self->selected_error, g_free);

  G_OBJECT_CLASS (hg_vm_tree_parent_class)->finalize (object);
}

static void
hg_vm_tree_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HgVmTree *self = HG_VM_TREE (object);

  switch (prop_id)
    {
    case PROP_SELECTED_PATH:
      g_value_set_string (value, self->selected_path);
      break;
    case PROP_FILTER_TEXT:
      g_value_set_string (value, gtk_entry_get_text (GTK_ENTRY (self->search_entry)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_tree_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  HgVmTree *self = HG_VM_TREE (object);

  switch (prop_id)
    {
    case PROP_FILTER_TEXT:
      hg_vm_tree_set_filter_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_tree_class_init (HgVmTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_vm_tree_dispose;
  object_class->finalize = hg_vm_tree_finalize;
  object_class->get_property = hg_vm_tree_get_property;
  object_class->set_property = hg_vm_tree_set_property;

  properties[PROP_SELECTED_PATH] =
    g_param_spec_string ("selected-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILTER_TEXT] =
    g_param_spec_string ("filter-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-vm-tree.ui");
  gtk_widget_class_bind_template_child (widget_class, HgVmTree, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HgVmTree, tree_view);
  gtk_widget_class_bind_template_child (widget_class, HgVmTree, selection);
  gtk_widget_class_bind_template_child (widget_class, HgVmTree, context_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_button_press);
  gtk_widget_class_bind_template_callback (widget_class, on_popup_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_set_css_name (widget_class, "hgvmtree");
}

static void
hg_vm_tree_init (HgVmTree *self)
{
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->store = gtk_tree_store_new (N_COLUMNS,
                                    G_TYPE_INT,      /* kind */
                                    G_TYPE_STRING,   /* icon */
                                    G_TYPE_STRING,   /* title markup */
                                    G_TYPE_STRING,   /* arch */
                                    G_TYPE_STRING,   /* accel */
                                    G_TYPE_STRING,   /* key */
                                    G_TYPE_STRING,   /* error */
                                    G_TYPE_STRING,   /* state */
                                    G_TYPE_STRING,   /* sort */
                                    HG_TYPE_VM_CONFIG,
                                    G_TYPE_STRING);  /* tooltip markup */

  gtk_widget_init_template (GTK_WIDGET (self));

  attach_filter (self);
}
