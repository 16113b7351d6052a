/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-delete-dialog.h"

struct _HgDeleteDialog
{
  HgVmDialog    parent_instance;

  GStrv         disk_files;

  /* template */
  GtkLabel     *question_label;
  GtkLabel     *files_label;
  GtkLabel     *folder_label;
  GtkLabel     *running_note;
  GtkWidget    *delete_button;
};

G_DEFINE_FINAL_TYPE (HgDeleteDialog, hg_delete_dialog, HG_TYPE_VM_DIALOG)

enum {
  DELETED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the trashing --------------------------------------------------------- */

typedef struct {
  char  *dir;
  GStrv  outside;    /* disk files outside dir */
} TrashData;

static void
trash_data_free (TrashData *data)
{
  g_free (data->dir);
  g_strfreev (data->outside);
  g_free (data);
}

static gboolean
trash_one (const char    *path,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local_error = NULL;

  if (g_file_trash (file, cancellable, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return TRUE;   /* nothing there to lose */
  g_set_error (error, local_error->domain, local_error->code,
               _("Cannot move %s to the trash: %s"), path, local_error->message);
  return FALSE;
}

static void
trash_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TrashData *data = task_data;
  GError *error = NULL;

  /* the folder first: when that fails nothing has moved */
  if (!trash_one (data->dir, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; data->outside[i] != NULL; i++)
    if (!trash_one (data->outside[i], cancellable, &error))
      {
        g_task_return_error (task, error);
        return;
      }
  g_task_return_boolean (task, TRUE);
}

static gboolean
is_inside (const char *path,
           const char *dir)
{
  g_autofree char *prefix = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);
  return g_str_has_prefix (path, prefix);
}

static GStrv
disk_files (HgVmConfig *config)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < config->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (config->disks, i);
      g_autofree char *path = hg_vm_config_resolve_path (config, disk->path);
      g_autofree char *canonical = g_canonicalize_filename (path, NULL);

      g_strv_builder_add (builder, canonical);
    }
  return g_strv_builder_end (builder);
}

void
hg_delete_trash_async (HgVmConfig         *config,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(GStrvBuilder) outside = g_strv_builder_new ();
  TrashData *data;

  g_return_if_fail (config != NULL && config->dir != NULL);

  files = disk_files (config);
  for (guint i = 0; files[i] != NULL; i++)
    if (!is_inside (files[i], config->dir))
      g_strv_builder_add (outside, files[i]);
  data = g_new0 (TrashData, 1);
  data->dir = g_strdup (config->dir);
  data->outside = g_strv_builder_end (outside);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_delete_trash_async);
  g_task_set_task_data (task, data, (GDestroyNotify) trash_data_free);
  g_task_run_in_thread (task, trash_thread);
}

gboolean
hg_delete_trash_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the dialog ------------------------------------------------------------- */

const char *
hg_delete_dialog_get_error (HgDeleteDialog *self)
{
  g_return_val_if_fail (HG_IS_DELETE_DIALOG (self), NULL);
  return hg_vm_dialog_get_error (HG_VM_DIALOG (self));
}

const char * const *
hg_delete_dialog_get_disk_files (HgDeleteDialog *self)
{
  g_return_val_if_fail (HG_IS_DELETE_DIALOG (self), NULL);
  return (const char * const *) self->disk_files;
}

static void
hg_delete_dialog_update (HgVmDialog *dialog)
{
  HgDeleteDialog *self = HG_DELETE_DIALOG (dialog);
  gboolean running = hg_vm_is_active (hg_vm_dialog_get_vm (dialog));

  gtk_widget_set_visible (GTK_WIDGET (self->running_note), running);
  gtk_widget_set_sensitive (self->delete_button, !running && !hg_vm_dialog_is_busy (dialog));
}

static void
on_trashed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HgDeleteDialog) self = user_data;
  HgVmDialog *dialog = HG_VM_DIALOG (self);
  g_autoptr(GError) error = NULL;

  if (!hg_delete_trash_finish (result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  hg_vm_dialog_end (dialog);
  if (error != NULL)
    {
      hg_vm_dialog_show_error (dialog, error->message);
      return;
    }
  g_signal_emit (self, signals[DELETED], 0, hg_vm_get_config (hg_vm_dialog_get_vm (dialog))->path);
  gtk_widget_destroy (GTK_WIDGET (self));
}

void
hg_delete_dialog_confirm (HgDeleteDialog *self)
{
  g_autofree char *refusal = NULL;
  HgVmDialog *dialog;
  HgVm *vm;

  g_return_if_fail (HG_IS_DELETE_DIALOG (self));

  dialog = HG_VM_DIALOG (self);
  vm = hg_vm_dialog_get_vm (dialog);
  refusal = g_strdup_printf (_("%s is running: shut it down before deleting it"),
                             hg_vm_get_label (vm));
  if (!hg_vm_dialog_may_change (dialog, refusal))
    return;
  hg_vm_dialog_show_error (dialog, NULL);
  hg_vm_dialog_begin (dialog);
  hg_delete_trash_async (hg_vm_get_config (vm), hg_vm_dialog_get_cancellable (dialog), on_trashed,
                         g_object_ref (self));
}

static void
on_delete_clicked (HgDeleteDialog *self)
{
  hg_delete_dialog_confirm (self);
}

static void
on_cancel_clicked (HgDeleteDialog *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

HgDeleteDialog *
hg_delete_dialog_new (GtkWindow *parent,
                      HgVm      *vm)
{
  HgDeleteDialog *self;
  HgVmConfig *config;
  g_autofree char *title = NULL;
  g_autofree char *question = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GString) files = g_string_new (NULL);

  g_return_val_if_fail (HG_IS_VM (vm), NULL);

  config = hg_vm_get_config (vm);
  title = g_strdup_printf (_("Delete %s"), config->label);
  self = g_object_new (HG_TYPE_DELETE_DIALOG, "transient-for", parent, "vm", vm, "title", title,
                       NULL);
  self->disk_files = disk_files (config);
  if (self->disk_files[0] == NULL)
    question = g_strdup_printf (_("Move %s to the trash? It has no disk images."), config->label);
  else
    question = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Move %s and its disk image to the trash?",
                                             "Move %s and its %u disk images to the trash?",
                                             g_strv_length (self->disk_files)),
                                config->label, g_strv_length (self->disk_files));
  gtk_label_set_text (self->question_label, question);
  for (guint i = 0; self->disk_files[i] != NULL; i++)
    {
      g_autofree char *display = g_filename_display_name (self->disk_files[i]);
      g_string_append_printf (files, "%s%s", i > 0 ? "\n" : "", display);
    }
  gtk_label_set_text (self->files_label, files->str);
  gtk_widget_set_visible (GTK_WIDGET (self->files_label), files->len > 0);
  folder = g_strdup_printf (_("The folder %s, with the configuration and everything else in it, "
                              "goes to the trash too. You can restore it from there."), config->dir);
  gtk_label_set_text (self->folder_label, folder);
  hg_vm_dialog_update (HG_VM_DIALOG (self));
  return self;
}

static void
hg_delete_dialog_dispose (GObject *object)
{
  HgDeleteDialog *self = HG_DELETE_DIALOG (object);

  g_clear_pointer (&self->disk_files, g_strfreev);

  G_OBJECT_CLASS (hg_delete_dialog_parent_class)->dispose (object);
}

static void
hg_delete_dialog_class_init (HgDeleteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  HgVmDialogClass *vm_dialog_class = HG_VM_DIALOG_CLASS (klass);

  object_class->dispose = hg_delete_dialog_dispose;

  vm_dialog_class->update = hg_delete_dialog_update;

  signals[DELETED] = g_signal_new ("deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-delete-dialog.ui");
  hg_vm_dialog_class_bind_template (widget_class);
  gtk_widget_class_bind_template_child (widget_class, HgDeleteDialog, question_label);
  gtk_widget_class_bind_template_child (widget_class, HgDeleteDialog, files_label);
  gtk_widget_class_bind_template_child (widget_class, HgDeleteDialog, folder_label);
  gtk_widget_class_bind_template_child (widget_class, HgDeleteDialog, running_note);
  gtk_widget_class_bind_template_child (widget_class, HgDeleteDialog, delete_button);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
hg_delete_dialog_init (HgDeleteDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
