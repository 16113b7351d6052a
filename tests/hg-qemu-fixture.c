/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <glib/gstdio.h>

#include "hg-qemu-fixture.h"

static gboolean
set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* hg_qemu_fixture_free() waits for this before it frees the fixture */
static void
exited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HgQemuFixture *fixture = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  fixture->exited = TRUE;
}

static gboolean
has_exited (HgQemuFixture *fixture)
{
  return fixture->process == NULL || fixture->exited;
}

static void
store_result_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

HgQemuFixture *
hg_qemu_fixture_start (const char * const *extra_args, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  g_autofree char *qmp_arg = NULL;
  HgQemuFixture *fixture;

  if (qemu == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "qemu-system-x86_64 is not installed");
      return NULL;
    }

  fixture = g_new0 (HgQemuFixture, 1);
  fixture->dir = g_dir_make_tmp ("hangar-qemu-XXXXXX", error);
  if (fixture->dir == NULL)
    {
      g_free (fixture);
      return NULL;
    }
  fixture->qmp_path = g_build_filename (fixture->dir, "qmp.sock", NULL);
  qmp_arg = g_strdup_printf ("unix:%s,server=on,wait=off", fixture->qmp_path);

  g_ptr_array_add (argv, g_steal_pointer (&qemu));
  for (const char * const *a = (const char * const[]) { "-accel", "tcg", "-M", "q35", "-S",
                                                        "-nodefaults", "-display", "none",
                                                        "-qmp", NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, g_steal_pointer (&qmp_arg));
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  fixture->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                        G_SUBPROCESS_FLAGS_NONE, error);
  if (fixture->process == NULL)
    {
      hg_qemu_fixture_free (fixture);
      return NULL;
    }
  g_subprocess_wait_async (fixture->process, NULL, exited_cb, fixture);
  return fixture;
}

HgQmpClient *
hg_qemu_fixture_connect (HgQemuFixture *fixture, guint timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (TRUE)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) local_error = NULL;
      HgQmpClient *client;
      gboolean fired = FALSE;

      hg_qmp_client_connect_async (fixture->qmp_path, NULL, store_result_cb, &result);
      while (result == NULL)
        g_main_context_iteration (g_main_context_get_thread_default (), TRUE);   /* bounded by the greeting timeout */
      client = hg_qmp_client_connect_finish (result, &local_error);
      if (client != NULL)
        return client;

      if (!g_error_matches (local_error, HG_QMP_ERROR, HG_QMP_ERROR_CONNECT) ||
          g_get_monotonic_time () > deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (has_exited (fixture))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "QEMU exited before its QMP socket %s was ready", fixture->qmp_path);
          return NULL;
        }
      /* QEMU is still starting: retry soon */
      {
        g_autoptr(GSource) retry = g_timeout_source_new (20);

        g_source_set_callback (retry, set_true, &fired, NULL);
        g_source_attach (retry, g_main_context_get_thread_default ());
        while (!fired)
          g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
      }
    }
}

gboolean
hg_qemu_fixture_wait_exit (HgQemuFixture *fixture, guint timeout_ms)
{
  g_autoptr(GSource) deadline = NULL;
  gboolean timed_out = FALSE;

  if (fixture->process == NULL)
    return TRUE;
  deadline = g_timeout_source_new (timeout_ms);
  g_source_set_callback (deadline, set_true, &timed_out, NULL);
  g_source_attach (deadline, g_main_context_get_thread_default ());
  while (!has_exited (fixture) && !timed_out)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_source_destroy (deadline);
  return has_exited (fixture);
}

char *
hg_qemu_fixture_path (HgQemuFixture *fixture, const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

void
hg_qemu_fixture_free (HgQemuFixture *fixture)
{
  if (fixture == NULL)
    return;

  if (fixture->process != NULL)
    {
      if (!has_exited (fixture))
        g_subprocess_force_exit (fixture->process);
      if (!hg_qemu_fixture_wait_exit (fixture, 10000))
        g_error ("QEMU did not exit after SIGKILL");
      g_clear_object (&fixture->process);
    }

  if (fixture->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (fixture->dir, name, NULL);

          g_unlink (path);
        }
      g_rmdir (fixture->dir);
    }
  g_free (fixture->qmp_path);
  g_free (fixture->dir);
  g_free (fixture);
}
