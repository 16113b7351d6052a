/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-switch"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "hg-proc.h"
#include "hg-runtime.h"
#include "hg-switch-private.h"

G_DEFINE_QUARK (hg-switch-error-quark, hg_switch_error)

G_DEFINE_FINAL_TYPE (HgSwitch, hg_switch, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_RUNTIME_ROOT,
  PROP_VDE_SWITCH,
  PROP_RUNNING,
  PROP_PID,
  PROP_AUTO_RESTART,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_LINK_DOWN,
  SIGNAL_LINK_UP,
  SIGNAL_STOPPED,
  SIGNAL_RESTART_FAILED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* ---- names ---------------------------------------------------------------- */

gboolean
hg_switch_name_is_valid (const char  *name,
                         GError     **error)
{
  gsize len;

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                   _("A switch name must not be empty"));
      return FALSE;
    }
  len = strlen (name);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
      {
        g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                     _("\"%s\" is not a switch name: only A-Z a-z 0-9 . _ - are allowed"),
                     name);
        return FALSE;
      }
  if (name[0] == '.' || name[0] == '-' || len > 64)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                   _("\"%s\" is not a switch name: it must not start with . or - "
                     "and has at most 64 characters"), name);
      return FALSE;
    }
  return TRUE;
}

/* ---- object --------------------------------------------------------------- */

static void
hg_switch_constructed (GObject *object)
{
  HgSwitch *self = HG_SWITCH (object);

  G_OBJECT_CLASS (hg_switch_parent_class)->constructed (object);

  if (self->root == NULL)
    self->root = hg_runtime_root ();
  self->dir = hg_runtime_switch_dir (self->root, self->name);
  self->data = g_build_filename (self->dir, "data", NULL);
  self->ctl = g_build_filename (self->data, "ctl", NULL);
  self->mgmt = g_build_filename (self->dir, "mgmt.sock", NULL);
  self->pidfile = g_build_filename (self->dir, "vde_switch.pid", NULL);
  self->log = g_build_filename (self->dir, "switch.log", NULL);
  self->lock = g_build_filename (self->dir, "lock", NULL);
  self->stop_marker = g_build_filename (self->dir, "stopped", NULL);
  self->pid = hg_switch_find_running (self);
  self->running = self->pid != 0;
}

void
_hg_switch_stop_watch (HgSwitch *self)
{
  if (self->pidfd_source != NULL)
    g_source_destroy (self->pidfd_source);
  g_clear_pointer (&self->pidfd_source, g_source_unref);
  if (self->pidfd >= 0)
    close (self->pidfd);
  self->pidfd = -1;
}

static void
hg_switch_dispose (GObject *object)
{
  HgSwitch *self = HG_SWITCH (object);

  _hg_switch_stop_watch (self);
  if (self->busy_source != NULL)
    g_source_destroy (self->busy_source);
  g_clear_pointer (&self->busy_source, g_source_unref);
  g_clear_pointer (&self->watch_context, g_main_context_unref);
  G_OBJECT_CLASS (hg_switch_parent_class)->dispose (object);
}

static void
hg_switch_finalize (GObject *object)
{
  HgSwitch *self = HG_SWITCH (object);

  g_free (self->name);
  g_free (self->root);
  g_free (self->vde_switch);
  g_free (self->dir);
  g_free (self->data);
  g_free (self->ctl);
  g_free (self->mgmt);
  g_free (self->pidfile);
  g_free (self->log);
  g_free (self->lock);
  g_free (self->stop_marker);
  G_OBJECT_CLASS (hg_switch_parent_class)->finalize (object);
}

static void
hg_switch_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  HgSwitch *self = HG_SWITCH (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_RUNTIME_ROOT:
      g_value_set_string (value, self->root);
      break;
    case PROP_VDE_SWITCH:
      g_value_set_string (value, self->vde_switch);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_PID:
      g_value_set_int (value, (int) self->pid);
      break;
    case PROP_AUTO_RESTART:
      g_value_set_boolean (value, self->auto_restart);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_switch_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  HgSwitch *self = HG_SWITCH (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_RUNTIME_ROOT:
      self->root = g_value_dup_string (value);
      break;
    case PROP_VDE_SWITCH:
      self->vde_switch = g_value_dup_string (value);
      break;
    case PROP_AUTO_RESTART:
      self->auto_restart = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_switch_class_init (HgSwitchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hg_switch_constructed;
  object_class->dispose = hg_switch_dispose;
  object_class->finalize = hg_switch_finalize;
  object_class->get_property = hg_switch_get_property;
  object_class->set_property = hg_switch_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNTIME_ROOT] =
    g_param_spec_string ("runtime-root", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VDE_SWITCH] =
    g_param_spec_string ("vde-switch", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTO_RESTART] =
    g_param_spec_boolean ("auto-restart", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_LINK_DOWN] =
    g_signal_new ("link-down", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_LINK_UP] =
    g_signal_new ("link-up", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_STOPPED] =
    g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RESTART_FAILED] =
    g_signal_new ("restart-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hg_switch_init (HgSwitch *self)
{
  self->pidfd = -1;
  self->auto_restart = TRUE;
}

HgSwitch *
hg_switch_new_full (const char *runtime_root,
                    const char *name,
                    const char *vde_switch_path)
{
  g_return_val_if_fail (hg_switch_name_is_valid (name, NULL), NULL);

  return g_object_new (HG_TYPE_SWITCH,
                       "name", name,
                       "runtime-root", runtime_root,
                       "vde-switch", vde_switch_path,
                       NULL);
}

HgSwitch *
hg_switch_new (const char *runtime_root,
               const char *name)
{
  return hg_switch_new_full (runtime_root, name, NULL);
}

const char *hg_switch_get_name (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->name; }
const char *hg_switch_get_dir (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->dir; }
const char *hg_switch_get_data_path (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->data; }
const char *hg_switch_get_mgmt_path (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->mgmt; }
const char *hg_switch_get_pidfile (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->pidfile; }
const char *hg_switch_get_log_path (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->log; }

gboolean
hg_switch_get_running (HgSwitch *self)
{
  g_return_val_if_fail (HG_IS_SWITCH (self), FALSE);
  return self->running;
}

void
_hg_switch_set_running (HgSwitch *self,
                      GPid      pid)
{
  gboolean running = pid != 0;

  if (self->pid != pid)
    {
      self->pid = pid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
    }
  if (self->running != running)
    {
      self->running = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

/* ---- finding the process -------------------------------------------------- */


static gboolean
pid_is_our_switch (HgSwitch *self,
                   GPid      pid)
{
  g_autofree char *exe = NULL;
  g_auto(GStrv) argv = NULL;

  if (pid <= 1 || !hg_proc_pid_is_alive (pid))
    return FALSE;
  exe = hg_proc_exe_name (pid);
  if (g_strcmp0 (exe, "vde_switch") != 0)
    return FALSE;
  argv = hg_proc_cmdline (pid);
  return hg_proc_argv_has_pair ((const char * const *) argv, "-M", self->mgmt) ||
         hg_proc_argv_has_pair ((const char * const *) argv, "--mgmt", self->mgmt);
}

GPid
hg_switch_find_running (HgSwitch *self)
{
  GPid pid = 0;

  g_return_val_if_fail (HG_IS_SWITCH (self), 0);

  if (!hg_proc_read_pidfile (self->pidfile, &pid, NULL))
    return 0;
  return pid_is_our_switch (self, pid) ? pid : 0;
}
