/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-snapshots-dialog.h"
#include "hg-vm-snapshots.h"

struct _HgSnapshotsDialog
{
  HgVmDialog         parent_instance;

  gboolean           supported;
  HgSnapshotTree    *tree;          /* as last listed, or NULL */
  char              *replace_name;  /* replace: taken again once deleted */
  char              *proposal;      /* the default name put in the entry */
  GtkWidget         *confirmation;  /* the question open now, or NULL */
  int                confirm_kind;  /* ... what it asks (Confirm) */
  char              *confirm_tag;   /* ... about which snapshot */

  /* template */
  GtkLabel          *note_label;
  GtkTreeStore      *store;
  GtkTreeView       *view;
  GtkEntry          *name_entry;
  GtkEntry          *description_entry;
  GtkWidget         *take_button;
  GtkWidget         *revert_button;
  GtkWidget         *delete_button;
};

G_DEFINE_FINAL_TYPE (HgSnapshotsDialog, hg_snapshots_dialog, HG_TYPE_VM_DIALOG)

/* One row per snapshot under its parent, and a "You are here" row under
 * the current one (its tag NULL), as virt-manager and VirtualBox show it */
enum {
  COL_TAG,
  COL_NAME,
  COL_DATE,
  COL_DESCRIPTION,
  COL_KIND,
  COL_STYLE,      /* PangoStyle: the "You are here" row in italics */
  COL_EDITABLE,   /* a snapshot's row; not "You are here" */
};

/* what a confirmed question does */
typedef enum {
  CONFIRM_REVERT,
  CONFIRM_DELETE,
  CONFIRM_REPLACE,
} Confirm;

const char *
hg_snapshots_dialog_get_error (HgSnapshotsDialog *self)
{
  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), NULL);
  return hg_vm_dialog_get_error (HG_VM_DIALOG (self));
}

gboolean
hg_snapshots_dialog_is_busy (HgSnapshotsDialog *self)
{
  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), FALSE);
  return hg_vm_dialog_is_busy (HG_VM_DIALOG (self));
}

static char *
selected_tag (HgSnapshotsDialog *self)
{
  return hg_vm_dialog_tree_dup_selected (self->view, COL_TAG);
}

/* Snapshots are taken, reverted and deleted while the VM runs (RAM and
 * disks) and while it is stopped (disks) */
static gboolean
vm_settled (HgVmDialog *dialog)
{
  HgVmState state = hg_vm_get_state (hg_vm_dialog_get_vm (dialog));

  return hg_vm_dialog_vm_up (dialog) || state == HG_VM_STATE_STOPPED ||
         state == HG_VM_STATE_CRASHED;
}

static gboolean
usable (HgSnapshotsDialog *self)
{
  return self->supported && !hg_vm_dialog_is_busy (HG_VM_DIALOG (self)) &&
         vm_settled (HG_VM_DIALOG (self));
}

static void
hg_snapshots_dialog_update (HgVmDialog *dialog)
{
  HgSnapshotsDialog *self = HG_SNAPSHOTS_DIALOG (dialog);
  gboolean ok = usable (self);
  g_autofree char *tag = selected_tag (self);

  gtk_widget_set_visible (GTK_WIDGET (self->note_label),
                          self->supported && !hg_vm_dialog_vm_up (dialog));
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_entry), ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->description_entry), ok);
  gtk_widget_set_sensitive (self->take_button, ok);
  gtk_widget_set_sensitive (self->revert_button, ok && tag != NULL);
  gtk_widget_set_sensitive (self->delete_button, ok && tag != NULL);
}

static void
on_selection_changed (HgSnapshotsDialog *self)
{
  hg_vm_dialog_update (HG_VM_DIALOG (self));
}

/* ---- list -------------------------------------------------------------------- */

static void
add_children (HgSnapshotsDialog *self,
              GtkTreeIter       *parent,
              const char        *parent_tag)
{
  HgSnapshotTree *tree = self->tree;

  for (guint i = 0; i < tree->snapshots->len; i++)
    {
      HgSnapshot *s = g_ptr_array_index (tree->snapshots, i);
      g_autofree char *date = NULL;
      GtkTreeIter iter;

      if (g_strcmp0 (s->parent, parent_tag) != 0)
        continue;
      if (s->time != 0)
        {
          g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (s->time);
          g_autoptr(GDateTime) when = g_date_time_to_local (utc);

          date = g_date_time_format (when, "%Y-%m-%d %H:%M:%S");
        }
      gtk_tree_store_insert_with_values (self->store, &iter, parent, -1,
                                         COL_TAG, s->tag,
                                         COL_NAME, s->name,
                                         COL_DATE, date,
                                         COL_DESCRIPTION, s->description,
                                         COL_KIND, s->found_in_disk ? _("Found in the disk")
                                                   : s->ram ? _("Memory and disks")
                                                   : _("Disks"),
                                         COL_STYLE, PANGO_STYLE_NORMAL,
                                         COL_EDITABLE, TRUE,
                                         -1);
      add_children (self, &iter, s->tag);
      if (g_strcmp0 (tree->current, s->tag) == 0)
        gtk_tree_store_insert_with_values (self->store, NULL, &iter, -1,
                                           COL_NAME, _("You are here"),
                                           COL_STYLE, PANGO_STYLE_ITALIC,
                                           COL_EDITABLE, FALSE,
                                           -1);
    }
}

static void
fill (HgSnapshotsDialog *self)
{
  gtk_tree_store_clear (self->store);
  if (self->tree == NULL || self->tree->snapshots->len == 0)
    return;
  add_children (self, NULL, NULL);
  if (self->tree->current == NULL)
    gtk_tree_store_insert_with_values (self->store, NULL, NULL, -1,
                                       COL_NAME, _("You are here"),
                                       COL_STYLE, PANGO_STYLE_ITALIC,
                                       COL_EDITABLE, FALSE,
                                       -1);
  gtk_tree_view_expand_all (self->view);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HgSnapshotsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  HgSnapshotTree *tree = hg_vm_snapshots_get_finish (HG_VM (source), result, &error);
  g_autofree char *selected = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  selected = selected_tag (self);
  g_clear_pointer (&self->tree, hg_snapshot_tree_free);
  self->tree = tree;
  fill (self);
  if (tree == NULL)
    hg_vm_dialog_show_error (HG_VM_DIALOG (self), error->message);
  else if (tree->notes->len > 0)
    {
      g_autoptr(GString) notes = g_string_new (NULL);

      for (guint i = 0; i < tree->notes->len; i++)
        g_string_append_printf (notes, "%s%s", i > 0 ? "\n" : "",
                                (char *) g_ptr_array_index (tree->notes, i));
      hg_vm_dialog_show_error (HG_VM_DIALOG (self), notes->str);
    }
  hg_vm_dialog_end (HG_VM_DIALOG (self));
  if (selected != NULL)
    hg_snapshots_dialog_select (self, selected);
  /* the name offered is one no snapshot has: the default one, and after a
   * snapshot was taken under the name typed */
  if (tree != NULL)
    {
      g_auto(GStrv) tags = hg_snapshots_dialog_dup_tags (self);
      const char *text = gtk_entry_get_text (self->name_entry);

      if (g_strcmp0 (text, self->proposal) == 0 ||
          g_strv_contains ((const char * const *) tags, text))
        {
          g_autoptr(GDateTime) now = g_date_time_new_now_local ();

          g_free (self->proposal);
          self->proposal = hg_qmp_snapshot_unique_name ((const char * const *) tags, now);
          gtk_entry_set_text (self->name_entry, self->proposal);
          gtk_entry_set_text (self->description_entry, "");
        }
    }
}

static void
hg_snapshots_dialog_refresh (HgVmDialog *dialog)
{
  HgSnapshotsDialog *self = HG_SNAPSHOTS_DIALOG (dialog);
  g_autoptr(GError) error = NULL;

  self->supported = hg_vm_check_snapshots_supported (hg_vm_dialog_get_vm (dialog), &error);
  if (!self->supported)
    {
      g_clear_pointer (&self->tree, hg_snapshot_tree_free);
      fill (self);
      hg_vm_dialog_show_error (dialog, error->message);
      hg_vm_dialog_update (dialog);
      return;
    }
  /* starting or stopping: the list comes when it has settled */
  if (!vm_settled (dialog))
    {
      hg_vm_dialog_update (dialog);
      return;
    }
  hg_vm_dialog_begin (dialog);
  hg_vm_snapshots_get_async (hg_vm_dialog_get_vm (dialog), hg_vm_dialog_get_cancellable (dialog),
                             on_listed, g_object_ref (self));
}

/* ---- take / revert / delete --------------------------------------------------- */

/* The listed snapshot of that tag (or name), or NULL */
static HgSnapshot *
find (HgSnapshotsDialog *self,
      const char        *tag)
{
  return self->tree != NULL && tag != NULL ? hg_snapshot_tree_find (self->tree, tag) : NULL;
}

/* When the listed snapshot was taken ("2026-12-07 21:05"), or NULL */
static char *
dup_date (HgSnapshotsDialog *self,
          const char        *tag)
{
  HgSnapshot *s = find (self, tag);
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) when = NULL;

  if (s == NULL || s->time == 0)
    return NULL;
  utc = g_date_time_new_from_unix_utc (s->time);
  when = g_date_time_to_local (utc);
  return g_date_time_format (when, "%Y-%m-%d %H:%M");
}

/* replace: the old one deleted, the new one taken */
static void
on_replaced_old (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HgSnapshotsDialog *self = HG_SNAPSHOTS_DIALOG (hg_vm_dialog_op_get_dialog (user_data));
  g_autofree char *name = g_steal_pointer (&self->replace_name);
  g_autoptr(GError) error = NULL;

  if (!hg_vm_snapshots_finish (HG_VM (source), result, &error) || name == NULL)
    {
      hg_vm_dialog_op_end (user_data, error);
      return;
    }
  hg_vm_snapshots_take_async (HG_VM (source), name, gtk_entry_get_text (self->description_entry),
                              hg_vm_dialog_get_cancellable (HG_VM_DIALOG (self)),
                              hg_vm_dialog_op_done, user_data);
}

static void
run (HgSnapshotsDialog *self,
     Confirm            kind,
     const char        *tag)
{
  HgVmDialog *dialog = HG_VM_DIALOG (self);
  HgVm *vm = hg_vm_dialog_get_vm (dialog);
  GCancellable *cancellable = hg_vm_dialog_get_cancellable (dialog);
  HgSnapshot *s = find (self, tag);
  const char *name = s != NULL ? s->name : tag;
  char *what;   /* taken by the operation */

  if (!usable (self))
    return;
  switch (kind)
    {
    case CONFIRM_REVERT:
      what = g_strdup_printf (_("Reverting to the snapshot %s"), name);
      hg_vm_snapshots_revert_async (vm, tag, cancellable, hg_vm_dialog_op_done,
                                    hg_vm_dialog_op_begin (dialog, what));
      break;
    case CONFIRM_DELETE:
      what = g_strdup_printf (_("Deleting the snapshot %s"), name);
      hg_vm_snapshots_delete_async (vm, tag, cancellable, hg_vm_dialog_op_done,
                                    hg_vm_dialog_op_begin (dialog, what));
      break;
    case CONFIRM_REPLACE:
    default:
      what = g_strdup_printf (_("Taking the snapshot %s"), name);
      g_free (self->replace_name);
      self->replace_name = g_strdup (name);
      hg_vm_snapshots_delete_async (vm, tag, cancellable, on_replaced_old,
                                    hg_vm_dialog_op_begin (dialog, what));
      break;
    }
}

static void
on_confirm_response (GtkDialog         *dialog,
                     int                response,
                     HgSnapshotsDialog *self)
{
  Confirm kind = self->confirm_kind;
  g_autofree char *tag = g_steal_pointer (&self->confirm_tag);

  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    run (self, kind, tag);
}

/* Asks before anything is lost: the question names the snapshot and what
 * goes; the destructive button is not the default, Cancel is. */
static void
ask (HgSnapshotsDialog *self,
     Confirm            kind,
     const char        *tag)
{
  const char *label = hg_vm_get_label (hg_vm_dialog_get_vm (HG_VM_DIALOG (self)));
  g_autofree char *date = dup_date (self, tag);
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  const char *button;
  GtkWidget *dialog;

  HgSnapshot *s = find (self, tag);
  HgSnapshot *current = self->tree != NULL ? find (self, self->tree->current) : NULL;
  const char *name = s != NULL ? s->name : tag;
  guint children = 0;

  if (date == NULL)
    date = g_strdup (_("at an unknown time"));
  for (guint i = 0; s != NULL && i < self->tree->snapshots->len; i++)
    if (g_strcmp0 (((HgSnapshot *) g_ptr_array_index (self->tree->snapshots, i))->parent,
                   s->tag) == 0)
      children++;
  switch (kind)
    {
    case CONFIRM_REVERT:
      title = g_strdup_printf (_("Revert %s to the snapshot “%s”?"), label, name);
      if (current != NULL)
        detail = g_strdup_printf (_("Everything that happened in the VM since the snapshot “%s” "
                                    "is lost: its memory and what it wrote to its disks since "
                                    "then. Take a snapshot first to keep it. The snapshot “%s” "
                                    "(%s) itself is kept."), current->name, name, date);
      else
        detail = g_strdup_printf (_("The VM's present state is lost: its memory and what it "
                                    "wrote to its disks. Take a snapshot first to keep it. The "
                                    "snapshot “%s” (%s) itself is kept."), name, date);
      button = _("_Revert");
      break;
    case CONFIRM_DELETE:
      title = g_strdup_printf (_("Delete the snapshot “%s” of %s?"), name, label);
      if (children > 0)
        detail = g_strdup_printf (g_dngettext (NULL,
                                    "The snapshot taken %s is lost: the VM can no longer go "
                                    "back to it. Its %u child snapshot is kept and moves up to its "
                                    "parent. The VM as it is now does not change.",
                                    "The snapshot taken %s is lost: the VM can no longer go "
                                    "back to it. Its %u child snapshots are kept and move up to its "
                                    "parent. The VM as it is now does not change.", children),
                                  date, children);
      else
        detail = g_strdup_printf (_("The snapshot taken %s is lost: the VM can no longer go "
                                    "back to it. The VM as it is now does not change."), date);
      button = _("_Delete");
      break;
    case CONFIRM_REPLACE:
    default:
      title = g_strdup_printf (_("Replace the snapshot “%s”?"), name);
      detail = g_strdup_printf (_("The VM %s has a snapshot of that name, taken %s. A new snapshot "
                                  "under the same name replaces it, and the old one is lost."),
                                label, date);
      button = _("_Replace");
      break;
    }
  if (self->confirmation != NULL)
    gtk_widget_destroy (self->confirmation);
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog),
                          _("_Cancel"), GTK_RESPONSE_CANCEL,
                          button, GTK_RESPONSE_ACCEPT,
                          NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (
                                 gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                                     GTK_RESPONSE_ACCEPT)),
                               "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  gtk_widget_grab_focus (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                             GTK_RESPONSE_CANCEL));
  self->confirm_kind = kind;
  g_free (self->confirm_tag);
  self->confirm_tag = g_strdup (tag);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_response), self, 0);
  self->confirmation = dialog;
  g_signal_connect (dialog, "destroy", G_CALLBACK (gtk_widget_destroyed), &self->confirmation);
  gtk_widget_show (dialog);
}

GtkDialog *
hg_snapshots_dialog_get_confirmation (HgSnapshotsDialog *self)
{
  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), NULL);
  return self->confirmation != NULL ? GTK_DIALOG (self->confirmation) : NULL;
}

void
hg_snapshots_dialog_take (HgSnapshotsDialog *self,
                          const char        *name)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tags = NULL;
  HgVmDialog *dialog;
  char *what;   /* taken by the operation */

  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));

  dialog = HG_VM_DIALOG (self);
  if (!usable (self))
    return;
  if (!hg_qmp_snapshot_name_is_valid (name, &error))
    {
      hg_vm_dialog_show_error (dialog, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
      return;
    }
  /* QEMU would replace it without a word */
  tags = hg_snapshots_dialog_dup_tags (self);
  if (g_strv_contains ((const char * const *) tags, name) || find (self, name) != NULL)
    {
      HgSnapshot *s = find (self, name);

      ask (self, CONFIRM_REPLACE, s != NULL ? s->tag : name);
      return;
    }
  /* (the core refuses it too if another program took that name meanwhile) */
  what = g_strdup_printf (_("Taking the snapshot %s"), name);
  hg_vm_snapshots_take_async (hg_vm_dialog_get_vm (dialog), name,
                              gtk_entry_get_text (self->description_entry),
                              hg_vm_dialog_get_cancellable (dialog), hg_vm_dialog_op_done,
                              hg_vm_dialog_op_begin (dialog, what));
}

void
hg_snapshots_dialog_edit (HgSnapshotsDialog *self,
                          const char        *tag,
                          const char        *new_name,
                          const char        *description)
{
  HgVmDialog *dialog;
  HgSnapshot *s;
  g_autoptr(GError) error = NULL;
  char *what;   /* taken by the operation */

  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));

  dialog = HG_VM_DIALOG (self);
  s = find (self, tag);
  if (!usable (self) || s == NULL)
    return;
  if (new_name != NULL && !hg_qmp_snapshot_name_is_valid (new_name, &error))
    {
      hg_vm_dialog_show_error (dialog, error->message);
      return;
    }
  what = new_name != NULL ? g_strdup_printf (_("Renaming the snapshot %s"), s->name)
                          : g_strdup_printf (_("Describing the snapshot %s"), s->name);
  hg_vm_snapshots_edit_async (hg_vm_dialog_get_vm (dialog), s->tag, new_name, description,
                              hg_vm_dialog_get_cancellable (dialog), hg_vm_dialog_op_done,
                              hg_vm_dialog_op_begin (dialog, what));
}

/* A name or description typed into its cell */
static void
on_cell_edited (HgSnapshotsDialog *self,
                const char        *path,
                const char        *text,
                int                column)
{
  GtkTreeIter iter;
  g_autofree char *tag = NULL;
  g_autofree char *old = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (!gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (self->store), &iter, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COL_TAG, &tag, column, &old, -1);
  if (tag == NULL || g_strcmp0 (old != NULL ? old : "", stripped) == 0)
    return;
  if (column == COL_NAME)
    hg_snapshots_dialog_edit (self, tag, stripped, NULL);
  else
    hg_snapshots_dialog_edit (self, tag, NULL, stripped);
}

static void
on_name_edited (GtkCellRendererText *cell,
                const char          *path,
                const char          *text,
                HgSnapshotsDialog   *self)
{
  on_cell_edited (self, path, text, COL_NAME);
}

static void
on_description_edited (GtkCellRendererText *cell,
                       const char          *path,
                       const char          *text,
                       HgSnapshotsDialog   *self)
{
  on_cell_edited (self, path, text, COL_DESCRIPTION);
}

/* Asks before reverting to or deleting the selected snapshot */
static void
on_selected (HgSnapshotsDialog *self,
             Confirm            kind)
{
  g_autofree char *tag = selected_tag (self);

  if (tag == NULL || !usable (self))
    return;
  ask (self, kind, tag);
}

void
hg_snapshots_dialog_revert (HgSnapshotsDialog *self)
{
  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));
  on_selected (self, CONFIRM_REVERT);
}

void
hg_snapshots_dialog_delete (HgSnapshotsDialog *self)
{
  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));
  on_selected (self, CONFIRM_DELETE);
}

gboolean
hg_snapshots_dialog_select (HgSnapshotsDialog *self,
                            const char        *tag)
{
  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), FALSE);
  return hg_vm_dialog_tree_select (self->view, COL_TAG, tag);
}

GStrv
hg_snapshots_dialog_dup_tags (HgSnapshotsDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), NULL);

  for (guint i = 0; self->tree != NULL && i < self->tree->snapshots->len; i++)
    g_strv_builder_add (builder, ((HgSnapshot *) g_ptr_array_index (self->tree->snapshots, i))->tag);
  return g_strv_builder_end (builder);
}

HgSnapshotTree *
hg_snapshots_dialog_get_tree (HgSnapshotsDialog *self)
{
  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), NULL);
  return self->tree;
}

static void
on_take_clicked (HgSnapshotsDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));

  hg_snapshots_dialog_take (self, name);
}

static void
on_revert_clicked (HgSnapshotsDialog *self)
{
  hg_snapshots_dialog_revert (self);
}

static void
on_delete_clicked (HgSnapshotsDialog *self)
{
  hg_snapshots_dialog_delete (self);
}

/* ---- GObject ------------------------------------------------------------------- */

HgSnapshotsDialog *
hg_snapshots_dialog_new (GtkWindow *parent,
                         HgVm      *vm)
{
  HgSnapshotsDialog *self;
  g_autofree char *title = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_return_val_if_fail (HG_IS_VM (vm), NULL);

  title = g_strdup_printf (_("Snapshots of %s"), hg_vm_get_label (vm));
  self = g_object_new (HG_TYPE_SNAPSHOTS_DIALOG, "transient-for", parent, "vm", vm, "title", title,
                       NULL);
  /* made unique once the list is in */
  self->proposal = hg_qmp_snapshot_unique_name (NULL, now);
  gtk_entry_set_text (self->name_entry, self->proposal);
  hg_vm_dialog_refresh (HG_VM_DIALOG (self));
  return self;
}

static void
hg_snapshots_dialog_dispose (GObject *object)
{
  HgSnapshotsDialog *self = HG_SNAPSHOTS_DIALOG (object);

  if (self->confirmation != NULL)
    gtk_widget_destroy (self->confirmation);
  g_clear_pointer (&self->proposal, g_free);
  g_clear_pointer (&self->confirm_tag, g_free);
  g_clear_pointer (&self->replace_name, g_free);
  g_clear_pointer (&self->tree, hg_snapshot_tree_free);

  G_OBJECT_CLASS (hg_snapshots_dialog_parent_class)->dispose (object);
}

static void
hg_snapshots_dialog_class_init (HgSnapshotsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  HgVmDialogClass *vm_dialog_class = HG_VM_DIALOG_CLASS (klass);

  object_class->dispose = hg_snapshots_dialog_dispose;

  vm_dialog_class->update = hg_snapshots_dialog_update;
  vm_dialog_class->refresh = hg_snapshots_dialog_refresh;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-snapshots-dialog.ui");
  hg_vm_dialog_class_bind_template (widget_class);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, note_label);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, store);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, view);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, description_entry);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, take_button);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, revert_button);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, delete_button);
  gtk_widget_class_bind_template_callback (widget_class, on_take_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_revert_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_name_edited);
  gtk_widget_class_bind_template_callback (widget_class, on_description_edited);
}

static void
hg_snapshots_dialog_init (HgSnapshotsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
