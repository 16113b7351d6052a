/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include "hg-vm-dialog.h"

typedef struct
{
  HgVm         *vm;
  GCancellable *cancellable;
  guint         busy;          /* operations in flight */

  /* template (the subclass's) */
  GtkInfoBar   *error_bar;
  GtkLabel     *error_label;
  GtkSpinner   *spinner;
} HgVmDialogPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (HgVmDialog, hg_vm_dialog, GTK_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_VM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_error_bar_response (GtkInfoBar *bar)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

void
hg_vm_dialog_class_bind_template (GtkWidgetClass *widget_class)
{
  g_return_if_fail (g_type_is_a (G_TYPE_FROM_CLASS (widget_class), HG_TYPE_VM_DIALOG));

  gtk_widget_class_bind_template_child_private (widget_class, HgVmDialog, error_bar);
  gtk_widget_class_bind_template_child_private (widget_class, HgVmDialog, error_label);
  gtk_widget_class_bind_template_child_private (widget_class, HgVmDialog, spinner);
  gtk_widget_class_bind_template_callback_full (widget_class, "hg_vm_dialog_error_bar_response",
                                                G_CALLBACK (on_error_bar_response));
}

HgVm *
hg_vm_dialog_get_vm (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_val_if_fail (HG_IS_VM_DIALOG (self), NULL);
  return priv->vm;
}

GCancellable *
hg_vm_dialog_get_cancellable (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_val_if_fail (HG_IS_VM_DIALOG (self), NULL);
  return priv->cancellable;
}

void
hg_vm_dialog_update (HgVmDialog *self)
{
  g_return_if_fail (HG_IS_VM_DIALOG (self));

  if (HG_VM_DIALOG_GET_CLASS (self)->update != NULL)
    HG_VM_DIALOG_GET_CLASS (self)->update (self);
}

void
hg_vm_dialog_refresh (HgVmDialog *self)
{
  g_return_if_fail (HG_IS_VM_DIALOG (self));

  HG_VM_DIALOG_GET_CLASS (self)->refresh (self);
}

void
hg_vm_dialog_show_error (HgVmDialog *self,
                         const char *message)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_if_fail (HG_IS_VM_DIALOG (self));

  gtk_label_set_text (priv->error_label, message != NULL ? message : "");
  gtk_info_bar_set_revealed (priv->error_bar, message != NULL);
}

const char *
hg_vm_dialog_get_error (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_val_if_fail (HG_IS_VM_DIALOG (self), NULL);

  if (!gtk_info_bar_get_revealed (priv->error_bar))
    return NULL;
  return gtk_label_get_text (priv->error_label);
}

gboolean
hg_vm_dialog_is_busy (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_val_if_fail (HG_IS_VM_DIALOG (self), FALSE);
  return priv->busy > 0;
}

gboolean
hg_vm_dialog_vm_up (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);
  HgVmState state;

  g_return_val_if_fail (HG_IS_VM_DIALOG (self), FALSE);

  state = hg_vm_get_state (priv->vm);
  return state == HG_VM_STATE_RUNNING || state == HG_VM_STATE_PAUSED;
}

gboolean
hg_vm_dialog_ready (HgVmDialog *self)
{
  return !hg_vm_dialog_is_busy (self) && hg_vm_dialog_vm_up (self);
}

void
hg_vm_dialog_begin (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_if_fail (HG_IS_VM_DIALOG (self));

  priv->busy++;
  gtk_spinner_start (priv->spinner);
  hg_vm_dialog_update (self);
}

void
hg_vm_dialog_end (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_if_fail (HG_IS_VM_DIALOG (self));
  g_return_if_fail (priv->busy > 0);

  priv->busy--;
  if (priv->busy == 0)
    gtk_spinner_stop (priv->spinner);
  hg_vm_dialog_update (self);
}

gboolean
hg_vm_dialog_may_change (HgVmDialog *self,
                         const char *refusal)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  g_return_val_if_fail (HG_IS_VM_DIALOG (self), FALSE);

  if (priv->busy > 0)
    return FALSE;
  if (hg_vm_is_active (priv->vm))
    {
      hg_vm_dialog_show_error (self, refusal);
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_vm_dialog_path_done (HgVmDialog   *self,
                        const char   *path,
                        const GError *error)
{
  g_return_val_if_fail (HG_IS_VM_DIALOG (self), FALSE);
  g_return_val_if_fail (path != NULL || error != NULL, FALSE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  hg_vm_dialog_end (self);
  if (path == NULL)
    {
      hg_vm_dialog_show_error (self, error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- operations of HgVm -------------------------------------------------------- */

typedef struct {
  HgVmDialog *dialog;     /* a reference */
  char       *what;
} OpData;

gpointer
hg_vm_dialog_op_begin (HgVmDialog *self,
                       char       *what)
{
  OpData *data;

  g_return_val_if_fail (HG_IS_VM_DIALOG (self), NULL);

  data = g_new0 (OpData, 1);
  data->dialog = g_object_ref (self);
  data->what = what;
  hg_vm_dialog_show_error (self, NULL);
  hg_vm_dialog_begin (self);
  return data;
}

HgVmDialog *
hg_vm_dialog_op_get_dialog (gpointer op)
{
  return ((OpData *) op)->dialog;
}

void
hg_vm_dialog_op_end (gpointer      op,
                     const GError *error)
{
  OpData *data = op;
  g_autoptr(HgVmDialog) self = data->dialog;
  g_autofree char *what = data->what;

  g_free (data);
  if (error != NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf ("%s: %s", what, error->message);
      hg_vm_dialog_show_error (self, message);
    }
  hg_vm_dialog_end (self);
  hg_vm_dialog_refresh (self);
}

void
hg_vm_dialog_op_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  hg_vm_action_finish (HG_VM (source), result, &error);
  hg_vm_dialog_op_end (user_data, error);
}

/* ---- the list ------------------------------------------------------------------ */

char *
hg_vm_dialog_tree_dup_selected (GtkTreeView *view,
                                int          column)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  char *value = NULL;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (view), &model, &iter))
    return NULL;
  gtk_tree_model_get (model, &iter, column, &value, -1);
  return value;
}

typedef struct {
  GtkTreeView *view;
  int          column;
  const char  *value;
  gboolean     found;
} SelectData;

static gboolean
select_row (GtkTreeModel *model,
            GtkTreePath  *path,
            GtkTreeIter  *iter,
            gpointer      user_data)
{
  SelectData *d = user_data;
  g_autofree char *row = NULL;

  gtk_tree_model_get (model, iter, d->column, &row, -1);
  if (g_strcmp0 (row, d->value) != 0)
    return FALSE;
  /* a row of a tree shows */
  gtk_tree_view_expand_to_path (d->view, path);
  gtk_tree_selection_select_iter (gtk_tree_view_get_selection (d->view), iter);
  d->found = TRUE;
  return TRUE;
}

gboolean
hg_vm_dialog_tree_select (GtkTreeView *view,
                          int          column,
                          const char  *value)
{
  GtkTreeModel *model = gtk_tree_view_get_model (view);
  SelectData d = { view, column, value, FALSE };

  if (model != NULL)
    gtk_tree_model_foreach (model, select_row, &d);
  return d.found;
}

/* ---- GObject ------------------------------------------------------------------- */

static void
on_vm_state_changed (HgVmDialog *self)
{
  hg_vm_dialog_refresh (self);
}

static void
hg_vm_dialog_real_refresh (HgVmDialog *self)
{
  hg_vm_dialog_update (self);
}

static void
hg_vm_dialog_constructed (GObject *object)
{
  HgVmDialog *self = HG_VM_DIALOG (object);
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  G_OBJECT_CLASS (hg_vm_dialog_parent_class)->constructed (object);

  g_assert (HG_IS_VM (priv->vm));
  g_signal_connect_object (priv->vm, "notify::state", G_CALLBACK (on_vm_state_changed),
                           self, G_CONNECT_SWAPPED);
}

static void
hg_vm_dialog_dispose (GObject *object)
{
  HgVmDialog *self = HG_VM_DIALOG (object);
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  if (priv->cancellable != NULL)
    g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->vm);

  G_OBJECT_CLASS (hg_vm_dialog_parent_class)->dispose (object);
}

static void
hg_vm_dialog_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  HgVmDialog *self = HG_VM_DIALOG (object);

  switch (prop_id)
    {
    case PROP_VM:
      g_value_set_object (value, hg_vm_dialog_get_vm (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_dialog_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  HgVmDialog *self = HG_VM_DIALOG (object);
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_VM:
      priv->vm = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_dialog_class_init (HgVmDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hg_vm_dialog_constructed;
  object_class->dispose = hg_vm_dialog_dispose;
  object_class->get_property = hg_vm_dialog_get_property;
  object_class->set_property = hg_vm_dialog_set_property;

  klass->refresh = hg_vm_dialog_real_refresh;

  properties[PROP_VM] =
    g_param_spec_object ("vm", NULL, NULL, HG_TYPE_VM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hg_vm_dialog_init (HgVmDialog *self)
{
  HgVmDialogPrivate *priv = hg_vm_dialog_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
}
