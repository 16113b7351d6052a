/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hg-move-dialog.h"
#include "hg-target-dir.h"

struct _HgMoveDialog
{
  HgVmDialog       parent_instance;


  /* template */
  GtkComboBoxText *base_combo;
  GtkEntry        *folder_entry;
  GtkLabel        *source_label;
  GtkLabel        *target_label;
  GtkLabel        *running_note;
  GtkWidget       *move_button;
};

G_DEFINE_FINAL_TYPE (HgMoveDialog, hg_move_dialog, HG_TYPE_VM_DIALOG)

enum {
  MOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the move --------------------------------------------------------------- */

typedef struct {
  char *dir;
  char *label;
  char *target_parent;
} MoveData;

static void
move_data_free (MoveData *data)
{
  g_free (data->dir);
  g_free (data->label);
  g_free (data->target_parent);
  g_free (data);
}

static char *
move_in_thread (gpointer       task_data,
                GCancellable  *cancellable,
                GError       **error)
{
  MoveData *data = task_data;
  g_autofree char *name = g_path_get_basename (data->dir);
  g_auto(HgTargetDir) target = { NULL, NULL };
  g_autoptr(GFile) source = g_file_new_for_path (data->dir);
  g_autoptr(GFile) dest = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *config_name = NULL;

  if (!hg_target_dir_prepare (&target, data->target_parent, name, FALSE, error))
    return NULL;
  dest = g_file_new_for_path (target.path);
  if (!g_file_move (source, dest, G_FILE_COPY_NOFOLLOW_SYMLINKS | G_FILE_COPY_NO_FALLBACK_FOR_MOVE,
                    cancellable, NULL, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                     _("%s already exists: choose another folder"), target.path);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                     _("Cannot move %s to %s: the target is on another file system "
                       "(Hangar moves a VM only within one file system)"), data->dir, data->target_parent);
      else
        g_set_error (error, local_error->domain, local_error->code,
                     _("Cannot move %s to %s: %s"), data->dir, target.path, local_error->message);
      hg_target_dir_undo (&target);
      return NULL;
    }
  config_name = g_strconcat (data->label, HG_CONFIG_SUFFIX, NULL);
  return g_build_filename (target.path, config_name, NULL);
}

void
hg_move_vm_async (HgVmConfig         *config,
                  const char         *target_parent,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  MoveData *data;

  g_return_if_fail (config != NULL && config->dir != NULL);
  g_return_if_fail (target_parent != NULL && g_path_is_absolute (target_parent));

  data = g_new0 (MoveData, 1);
  data->dir = g_strdup (config->dir);
  data->label = g_strdup (config->label);
  data->target_parent = g_canonicalize_filename (target_parent, NULL);
  hg_target_dir_run_async (hg_move_vm_async, move_in_thread, data, (GDestroyNotify) move_data_free,
                           cancellable, callback, user_data);
}

char *
hg_move_vm_finish (GAsyncResult  *result,
                   GError       **error)
{
  return hg_target_dir_run_finish (result, hg_move_vm_async, error);
}

/* ---- the dialog --------------------------------------------------------------- */

const char *
hg_move_dialog_get_error (HgMoveDialog *self)
{
  g_return_val_if_fail (HG_IS_MOVE_DIALOG (self), NULL);
  return hg_vm_dialog_get_error (HG_VM_DIALOG (self));
}

/* The target parent folder chosen, or NULL with an error */
static char *
target_parent (HgMoveDialog  *self,
               GError       **error)
{
  const char *base = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->base_combo));
  g_autofree char *folder = g_strstrip (g_strdup (gtk_entry_get_text (self->folder_entry)));
  g_auto(GStrv) parts = NULL;
  g_autofree char *parent = NULL;
  HgVmConfig *config = hg_vm_get_config (hg_vm_dialog_get_vm (HG_VM_DIALOG (self)));
  g_autofree char *current_parent = g_path_get_dirname (config->dir);
  g_autofree char *inside = g_strconcat (config->dir, G_DIR_SEPARATOR_S, NULL);
  g_autofree char *parent_slash = NULL;

  if (base == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Choose a library folder"));
      return NULL;
    }
  if (g_path_is_absolute (folder))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The sub-folder “%s” must be relative to %s"), folder, base);
      return NULL;
    }
  parts = g_strsplit (folder, G_DIR_SEPARATOR_S, -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' && (i == 0 || parts[i + 1] == NULL))
        continue;   /* "" or a trailing slash */
      if (parts[i][0] == '\0' || parts[i][0] == '.' || strchr (parts[i], '\n') != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("The sub-folder “%s” has a part “%s” the library would not show "
                         "(empty, hidden or a “..”)"), folder, parts[i]);
          return NULL;
        }
    }
  parent = g_canonicalize_filename (folder, base);
  parent_slash = g_strconcat (parent, G_DIR_SEPARATOR_S, NULL);
  if (g_strcmp0 (parent, current_parent) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("%s is already in %s"), config->label, parent);
      return NULL;
    }
  if (g_str_has_prefix (parent_slash, inside))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s is inside the VM folder %s"), parent, config->dir);
      return NULL;
    }
  return g_steal_pointer (&parent);
}

static void
hg_move_dialog_update (HgVmDialog *dialog)
{
  HgMoveDialog *self = HG_MOVE_DIALOG (dialog);
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = target_parent (self, &error);
  HgVm *vm = hg_vm_dialog_get_vm (dialog);
  gboolean running = hg_vm_is_active (vm);

  gtk_widget_set_visible (GTK_WIDGET (self->running_note), running);
  if (parent != NULL)
    {
      g_autofree char *name = g_path_get_basename (hg_vm_get_config (vm)->dir);
      g_autofree char *target = g_build_filename (parent, name, NULL);
      g_autofree char *text = g_strdup_printf (_("To: %s"), target);

      gtk_label_set_text (self->target_label, text);
      hg_vm_dialog_show_error (dialog, NULL);
    }
  else
    {
      gtk_label_set_text (self->target_label, "");
      hg_vm_dialog_show_error (dialog, error->message);
    }
  gtk_widget_set_sensitive (self->move_button,
                            parent != NULL && !running && !hg_vm_dialog_is_busy (dialog));
}

static void
on_target_changed (HgMoveDialog *self)
{
  hg_vm_dialog_update (HG_VM_DIALOG (self));
}

void
hg_move_dialog_set_target (HgMoveDialog *self,
                           const char   *base,
                           const char   *folder)
{
  g_return_if_fail (HG_IS_MOVE_DIALOG (self));

  if (!gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->base_combo), base))
    {
      gtk_combo_box_text_append (self->base_combo, base, base);
      gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->base_combo), base);
    }
  gtk_entry_set_text (self->folder_entry, folder != NULL ? folder : "");
}

static void
on_moved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HgMoveDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = hg_move_vm_finish (result, &error);

  if (!hg_vm_dialog_path_done (HG_VM_DIALOG (self), path, error))
    return;
  g_signal_emit (self, signals[MOVED], 0, path);
  gtk_widget_destroy (GTK_WIDGET (self));
}

void
hg_move_dialog_move (HgMoveDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *refusal = NULL;
  HgVmDialog *dialog;
  HgVm *vm;

  g_return_if_fail (HG_IS_MOVE_DIALOG (self));

  dialog = HG_VM_DIALOG (self);
  vm = hg_vm_dialog_get_vm (dialog);
  refusal = g_strdup_printf (_("%s is running: shut it down before moving it"),
                             hg_vm_get_label (vm));
  if (!hg_vm_dialog_may_change (dialog, refusal))
    return;
  parent = target_parent (self, &error);
  if (parent == NULL)
    {
      hg_vm_dialog_show_error (dialog, error->message);
      return;
    }
  hg_vm_dialog_begin (dialog);
  hg_move_vm_async (hg_vm_get_config (vm), parent, hg_vm_dialog_get_cancellable (dialog), on_moved,
                    g_object_ref (self));
}

static void
on_move_clicked (HgMoveDialog *self)
{
  hg_move_dialog_move (self);
}

static void
on_cancel_clicked (HgMoveDialog *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

HgMoveDialog *
hg_move_dialog_new (GtkWindow          *parent,
                    HgVm               *vm,
                    const char * const *bases)
{
  HgMoveDialog *self;
  HgVmConfig *config;
  g_autofree char *title = NULL;
  g_autofree char *source = NULL;
  g_autofree char *current_parent = NULL;
  const char *current_base = NULL;
  const char *current_folder = "";

  g_return_val_if_fail (HG_IS_VM (vm), NULL);

  config = hg_vm_get_config (vm);
  title = g_strdup_printf (_("Move %s"), config->label);
  self = g_object_new (HG_TYPE_MOVE_DIALOG, "transient-for", parent, "vm", vm, "title", title,
                       NULL);
  current_parent = g_path_get_dirname (config->dir);
  for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
    {
      g_autofree char *base = g_canonicalize_filename (bases[i], NULL);
      g_autofree char *prefix = g_strconcat (base, G_DIR_SEPARATOR_S, NULL);

      gtk_combo_box_text_append (self->base_combo, base, base);
      if (current_base == NULL && (g_strcmp0 (current_parent, base) == 0 ||
                                   g_str_has_prefix (current_parent, prefix)))
        {
          current_base = bases[i];
          current_folder = current_parent + MIN (strlen (current_parent), strlen (prefix));
        }
    }
  source = g_strdup_printf (_("From: %s"), config->dir);
  gtk_label_set_text (self->source_label, source);
  if (current_base != NULL)
    {
      g_autofree char *base = g_canonicalize_filename (current_base, NULL);
      hg_move_dialog_set_target (self, base, current_folder);
    }
  else if (bases != NULL && bases[0] != NULL)
    gtk_combo_box_set_active (GTK_COMBO_BOX (self->base_combo), 0);
  hg_vm_dialog_update (HG_VM_DIALOG (self));
  return self;
}

static void
hg_move_dialog_class_init (HgMoveDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  HgVmDialogClass *vm_dialog_class = HG_VM_DIALOG_CLASS (klass);

  vm_dialog_class->update = hg_move_dialog_update;

  signals[MOVED] = g_signal_new ("moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-move-dialog.ui");
  hg_vm_dialog_class_bind_template (widget_class);
  gtk_widget_class_bind_template_child (widget_class, HgMoveDialog, base_combo);
  gtk_widget_class_bind_template_child (widget_class, HgMoveDialog, folder_entry);
  gtk_widget_class_bind_template_child (widget_class, HgMoveDialog, source_label);
  gtk_widget_class_bind_template_child (widget_class, HgMoveDialog, target_label);
  gtk_widget_class_bind_template_child (widget_class, HgMoveDialog, running_note);
  gtk_widget_class_bind_template_child (widget_class, HgMoveDialog, move_button);
  gtk_widget_class_bind_template_callback (widget_class, on_target_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_move_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
hg_move_dialog_init (HgMoveDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
