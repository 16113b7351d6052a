/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-switch"
#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "hg-proc.h"
#include "hg-switch-private.h"

#define RESTART_BUSY_RETRIES 100    /* x RESTART_BUSY_INTERVAL_MS */
#define RESTART_BUSY_INTERVAL_MS 50
#define RESTART_WINDOW_US    (60 * G_USEC_PER_SEC)   /* RESTART_LIMIT per minute at most */

/* ---- supervision ---------------------------------------------------------- */

static void on_restarted (GObject *source, GAsyncResult *result, gpointer user_data);

static gboolean
restart_again (gpointer user_data)
{
  HgSwitch *self = user_data;

  g_clear_pointer (&self->busy_source, g_source_unref);
  hg_switch_start_async (self, NULL, on_restarted, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_restarted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HgSwitch *self = HG_SWITCH (source);
  g_autoptr(GError) error = NULL;

  if (!hg_switch_start_finish (self, result, &error) &&
      g_error_matches (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_BUSY) &&
      self->busy_retries++ < RESTART_BUSY_RETRIES)
    {
      /* another watcher (a window, another VM) is restarting it right now:
       * ask again shortly; a start of a running switch succeeds at once */
      g_debug ("switch '%s' is being restarted by someone else", self->name);
      g_clear_pointer (&self->busy_source, g_source_unref);
      self->busy_source = g_timeout_source_new (RESTART_BUSY_INTERVAL_MS);
      g_source_set_callback (self->busy_source, restart_again, self, NULL);
      g_source_attach (self->busy_source, self->watch_context);
      return;
    }
  self->restarting = FALSE;
  self->busy_retries = 0;
  if (error != NULL)
    {
      g_warning ("Cannot restart switch '%s': %s", self->name, error->message);
      g_signal_emit_by_name (self, "restart-failed", error);
      return;
    }
  g_message ("switch '%s' restarted (pid %d)", self->name, (int) self->pid);
  g_signal_emit_by_name (self, "link-up");
}

static gboolean
restart_allowed (HgSwitch *self)
{
  gint64 now = g_get_monotonic_time ();
  guint recent = 0;

  for (guint i = 0; i < self->n_restarts && i < RESTART_LIMIT; i++)
    if (now - self->restart_times[i] < RESTART_WINDOW_US)
      recent++;
  if (recent >= RESTART_LIMIT)
    return FALSE;
  self->restart_times[self->n_restarts % RESTART_LIMIT] = now;
  self->n_restarts++;
  return TRUE;
}

static gboolean
on_pidfd (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  HgSwitch *self = user_data;
  GPid dead = self->pid;
  gboolean killed;
  g_autoptr(GObject) keep = g_object_ref (G_OBJECT (self));

  g_clear_pointer (&self->pidfd_source, g_source_unref);
  close (self->pidfd);
  self->pidfd = -1;

  /* a switch stopped on purpose leaves the stop marker (and removes its
   * pidfile); a killed one leaves its pidfile, unless another watcher is
   * already restarting it (then there is no marker either) */
  {
    GPid in_file = 0;
    killed = (hg_proc_read_pidfile (self->pidfile, &in_file, NULL) && in_file == dead) ||
             !g_file_test (self->stop_marker, G_FILE_TEST_EXISTS);
  }
  g_debug ("switch %s (pid %d) is gone (%s)", self->name, (int) dead,
           killed ? "killed" : "stopped");
  _hg_switch_set_running (self, 0);
  g_signal_emit_by_name (self, "link-down");
  if (!killed)
    {
      g_signal_emit_by_name (self, "stopped");
      return G_SOURCE_REMOVE;
    }
  if (self->auto_restart && !self->restarting)
    {
      if (!restart_allowed (self))
        {
          g_autoptr(GError) error =
            g_error_new (HG_SWITCH_ERROR, HG_SWITCH_ERROR_FAILED,
                         _("Switch '%s' died %d times within a minute; not restarting it"),
                         self->name, RESTART_LIMIT);
          g_signal_emit_by_name (self, "restart-failed", error);
          return G_SOURCE_REMOVE;
        }
      self->restarting = TRUE;
      hg_switch_start_async (self, NULL, on_restarted, NULL);
    }
  return G_SOURCE_REMOVE;
}

static void
arm_watch (HgSwitch *self)
{
  _hg_switch_stop_watch (self);
  if (self->pid == 0)
    return;
  self->pidfd = hg_proc_pidfd_open (self->pid);
  if (self->pidfd < 0)
    {
      g_warning ("Cannot watch switch '%s' (pid %d): no pidfd", self->name, (int) self->pid);
      return;
    }
  self->pidfd_source = g_unix_fd_source_new (self->pidfd, G_IO_IN);
  g_source_set_callback (self->pidfd_source, G_SOURCE_FUNC (on_pidfd), self, NULL);
  g_source_attach (self->pidfd_source, self->watch_context);
}

void
hg_switch_watch (HgSwitch *self)
{
  g_return_if_fail (HG_IS_SWITCH (self));

  self->arm_watch = arm_watch;
  g_clear_pointer (&self->watch_context, g_main_context_unref);
  self->watch_context = g_main_context_ref_thread_default ();
  _hg_switch_set_running (self, hg_switch_find_running (self));
  arm_watch (self);
}
