/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-snapshots-dialog.h"

struct _HgSnapshotsDialog
{
  HgVmDialog         parent_instance;

  gboolean           supported;
  char              *proposal;      /* the default name put in the entry */
  GtkWidget         *confirmation;  /* the question open now, or NULL */
  int                confirm_kind;  /* ... what it asks (Confirm) */
  char              *confirm_tag;   /* ... about which snapshot */

  /* template */
  GtkLabel          *note_label;
  GtkListStore      *store;
  GtkTreeView       *view;
  GtkEntry          *name_entry;
  GtkWidget         *take_button;
  GtkWidget         *revert_button;
  GtkWidget         *delete_button;
};

G_DEFINE_FINAL_TYPE (HgSnapshotsDialog, hg_snapshots_dialog, HG_TYPE_VM_DIALOG)

enum {
  COL_TAG,
  COL_DATE,
  COL_SIZE,
  COL_CLOCK,
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

static void
hg_snapshots_dialog_update (HgVmDialog *dialog)
{
  HgSnapshotsDialog *self = HG_SNAPSHOTS_DIALOG (dialog);
  gboolean usable = self->supported && hg_vm_dialog_ready (dialog);
  g_autofree char *tag = selected_tag (self);

  gtk_widget_set_visible (GTK_WIDGET (self->note_label),
                          self->supported && !hg_vm_dialog_vm_up (dialog));
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_entry), usable);
  gtk_widget_set_sensitive (self->take_button, usable);
  gtk_widget_set_sensitive (self->revert_button, usable && tag != NULL);
  gtk_widget_set_sensitive (self->delete_button, usable && tag != NULL);
}

static void
on_selection_changed (HgSnapshotsDialog *self)
{
  hg_vm_dialog_update (HG_VM_DIALOG (self));
}

/* ---- list -------------------------------------------------------------------- */

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HgSnapshotsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) snapshots = hg_vm_snapshot_list_finish (HG_VM (source), result, &error);
  g_autofree char *selected = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  selected = selected_tag (self);
  gtk_list_store_clear (self->store);
  if (snapshots == NULL)
    hg_vm_dialog_show_error (HG_VM_DIALOG (self), error->message);
  else
    for (guint i = 0; i < snapshots->len; i++)
      {
        HgQmpSnapshot *snapshot = g_ptr_array_index (snapshots, i);
        GtkTreeIter iter;

        gtk_list_store_insert_with_values (self->store, &iter, -1,
                                           COL_TAG, snapshot->tag,
                                           COL_DATE, snapshot->date,
                                           COL_SIZE, snapshot->vm_size,
                                           COL_CLOCK, snapshot->vm_clock,
                                           -1);
      }
  hg_vm_dialog_end (HG_VM_DIALOG (self));
  if (selected != NULL)
    hg_snapshots_dialog_select (self, selected);
  /* the name offered is one no snapshot has: the default one, and after a
   * snapshot was taken under the name typed */
  if (snapshots != NULL)
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
      gtk_list_store_clear (self->store);
      hg_vm_dialog_show_error (dialog, error->message);
      hg_vm_dialog_update (dialog);
      return;
    }
  if (!hg_vm_dialog_vm_up (dialog))
    {
      gtk_list_store_clear (self->store);
      hg_vm_dialog_update (dialog);
      return;
    }
  hg_vm_dialog_begin (dialog);
  hg_vm_snapshot_list_async (hg_vm_dialog_get_vm (dialog), hg_vm_dialog_get_cancellable (dialog),
                             on_listed, g_object_ref (self));
}

/* ---- take / revert / delete --------------------------------------------------- */

/* When the listed snapshot tag was taken ("2026-12-07 21:05:09"), or NULL */
static char *
dup_date (HgSnapshotsDialog *self,
          const char        *tag)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter iter;

  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *t = NULL;
        char *date = NULL;

        gtk_tree_model_get (model, &iter, COL_TAG, &t, COL_DATE, &date, -1);
        if (g_strcmp0 (t, tag) == 0)
          return date;
        g_free (date);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return NULL;
}

static void
run (HgSnapshotsDialog *self,
     Confirm            kind,
     const char        *tag)
{
  HgVmDialog *dialog = HG_VM_DIALOG (self);
  HgVm *vm = hg_vm_dialog_get_vm (dialog);
  GCancellable *cancellable = hg_vm_dialog_get_cancellable (dialog);
  char *what;   /* taken by the operation */

  if (!hg_vm_dialog_ready (dialog))
    return;
  switch (kind)
    {
    case CONFIRM_REVERT:
      what = g_strdup_printf (_("Reverting to the snapshot %s"), tag);
      hg_vm_snapshot_load_async (vm, tag, cancellable, hg_vm_dialog_op_done,
                                 hg_vm_dialog_op_begin (dialog, what));
      break;
    case CONFIRM_DELETE:
      what = g_strdup_printf (_("Deleting the snapshot %s"), tag);
      hg_vm_snapshot_delete_async (vm, tag, cancellable, hg_vm_dialog_op_done,
                                   hg_vm_dialog_op_begin (dialog, what));
      break;
    case CONFIRM_REPLACE:
    default:
      what = g_strdup_printf (_("Taking the snapshot %s"), tag);
      hg_vm_snapshot_save_full_async (vm, tag, TRUE, cancellable,
                                      hg_vm_dialog_op_done,
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

  if (date == NULL)
    date = g_strdup (_("at an unknown time"));
  switch (kind)
    {
    case CONFIRM_REVERT:
      title = g_strdup_printf (_("Revert %s to the snapshot “%s”?"), label, tag);
      detail = g_strdup_printf (_("Everything that happened in the VM since the snapshot was "
                                  "taken (%s) is lost: its memory and what it wrote to its "
                                  "disks since then. The snapshot itself is kept."), date);
      button = _("_Revert");
      break;
    case CONFIRM_DELETE:
      title = g_strdup_printf (_("Delete the snapshot “%s” of %s?"), tag, label);
      detail = g_strdup_printf (_("The snapshot taken %s is lost: the VM can no longer go "
                                  "back to it. The VM as it is now does not change."), date);
      button = _("_Delete");
      break;
    case CONFIRM_REPLACE:
    default:
      title = g_strdup_printf (_("Replace the snapshot “%s”?"), tag);
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
  if (!self->supported || !hg_vm_dialog_ready (dialog))
    return;
  if (!hg_qmp_snapshot_name_is_valid (name, &error))
    {
      hg_vm_dialog_show_error (dialog, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
      return;
    }
  /* QEMU would replace it without a word */
  tags = hg_snapshots_dialog_dup_tags (self);
  if (g_strv_contains ((const char * const *) tags, name))
    {
      ask (self, CONFIRM_REPLACE, name);
      return;
    }
  /* (the core refuses it too if another program took that name meanwhile) */
  what = g_strdup_printf (_("Taking the snapshot %s"), name);
  hg_vm_snapshot_save_async (hg_vm_dialog_get_vm (dialog), name,
                             hg_vm_dialog_get_cancellable (dialog), hg_vm_dialog_op_done,
                             hg_vm_dialog_op_begin (dialog, what));
}

/* Asks before reverting to or deleting the selected snapshot */
static void
on_selected (HgSnapshotsDialog *self,
             Confirm            kind)
{
  g_autofree char *tag = selected_tag (self);

  if (tag == NULL || !hg_vm_dialog_ready (HG_VM_DIALOG (self)))
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
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkTreeIter iter;

  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), NULL);

  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *tag = NULL;

        gtk_tree_model_get (model, &iter, COL_TAG, &tag, -1);
        g_strv_builder_add (builder, tag);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return g_strv_builder_end (builder);
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
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, take_button);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, revert_button);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, delete_button);
  gtk_widget_class_bind_template_callback (widget_class, on_take_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_revert_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
}

static void
hg_snapshots_dialog_init (HgSnapshotsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
