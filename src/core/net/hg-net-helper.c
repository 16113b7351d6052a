/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-helper"
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hg-helper-protocol.h"
#include "hg-net-helper.h"
#include "hg-spawn.h"

G_DEFINE_QUARK (hg-helper-error-quark, hg_helper_error)

void
hg_tap_status_free (HgTapStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->name);
  g_free (status->bridge);
  g_free (status);
}

GPtrArray *
hg_net_helper_parse_status (const char *text,
                            gboolean   *tun_available)
{
  g_autoptr(GPtrArray) taps = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_tap_status_free);
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  if (tun_available != NULL)
    *tun_available = FALSE;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      HgTapStatus *st;

      if (g_str_has_prefix (lines[i], "tun="))
        {
          if (tun_available != NULL)
            *tun_available = g_str_equal (lines[i] + 4, "yes");
          continue;
        }
      words = g_strsplit (lines[i], " ", -1);
      if (words[0] == NULL || !g_str_has_prefix (words[0], "hgtap"))
        continue;
      st = g_new0 (HgTapStatus, 1);
      st->name = g_strdup (words[0]);
      st->owner = -1;
      for (guint w = 1; words[w] != NULL; w++)
        {
          if (g_str_has_prefix (words[w], "owner="))
            st->owner = g_ascii_strtoll (words[w] + 6, NULL, 10);
          else if (g_str_has_prefix (words[w], "up="))
            st->up = g_str_equal (words[w] + 3, "yes");
          else if (g_str_has_prefix (words[w], "bridge=") && !g_str_equal (words[w] + 7, "-"))
            st->bridge = g_strdup (words[w] + 7);
        }
      g_ptr_array_add (taps, st);
    }
  return g_steal_pointer (&taps);
}

GStrv
hg_net_helper_build_argv (const HgHostCaps    *caps,
                          const char * const  *args,
                          GError             **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (caps != NULL, NULL);

  if (caps->pkexec == NULL)
    {
      g_set_error (error, HG_HELPER_ERROR, HG_HELPER_ERROR_NO_PKEXEC,
                   _("pkexec is not installed (Debian package pkexec): host network "
                     "access needs it"));
      return NULL;
    }
  if (caps->helper == NULL)
    {
      g_set_error (error, HG_HELPER_ERROR, HG_HELPER_ERROR_NO_HELPER,
                   _("hangar-net-helper is not installed (expected at %s)"), HELPER_PATH);
      return NULL;
    }
  g_strv_builder_add (builder, caps->pkexec);
  g_strv_builder_add (builder, caps->helper);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_strv_builder_add (builder, args[i]);
  return g_strv_builder_end (builder);
}

GError *
hg_net_helper_error_for_exit (int         exit_status,
                              const char *stderr_text)
{
  g_autofree char *msg = NULL;
  const char *line;
  HgHelperError code;

  if (exit_status == 0)
    return NULL;
  /* the helper's one line, without its prefix */
  msg = g_strstrip (g_strdup (stderr_text != NULL ? stderr_text : ""));
  line = strstr (msg, "hangar-net-helper: ");
  line = line != NULL ? line + strlen ("hangar-net-helper: ") : msg;

  switch (exit_status)
    {
    case 126:
    case 127:
      /* pkexec: dismissed, not authorised, or no authentication agent */
      return g_error_new (HG_HELPER_ERROR, HG_HELPER_ERROR_NOT_AUTHORIZED,
                          _("Not authorised to change the host network (polkit refused "
                            "or the authentication was dismissed)%s%s"),
                          *msg != '\0' ? ": " : "", msg);
    case HG_HELPER_EXIT_USAGE:
      code = HG_HELPER_ERROR_INVALID;
      break;
    case HG_HELPER_EXIT_NOT_AUTHORIZED:
    case HG_HELPER_EXIT_ENVIRONMENT:
      code = HG_HELPER_ERROR_NOT_AUTHORIZED;
      break;
    case HG_HELPER_EXIT_NOT_FOUND:
      code = HG_HELPER_ERROR_NOT_FOUND;
      break;
    case HG_HELPER_EXIT_EXISTS:
      code = HG_HELPER_ERROR_EXISTS;
      break;
    default:
      if (strstr (line, "/dev/net/tun is missing") != NULL)
        code = HG_HELPER_ERROR_NO_TUN;
      else if (strstr (line, "is in use") != NULL)
        code = HG_HELPER_ERROR_BUSY;
      else
        code = HG_HELPER_ERROR_FAILED;
      break;
    }
  if (*line == '\0')
    return g_error_new (HG_HELPER_ERROR, code, _("hangar-net-helper failed (exit status %d)"),
                        exit_status);
  return g_error_new_literal (HG_HELPER_ERROR, code, line);
}

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GSubprocess *sub = G_SUBPROCESS (source);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GError *error = NULL;
  int status;

  if (!g_subprocess_communicate_utf8_finish (sub, result, &out, &err, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  status = g_subprocess_get_if_exited (sub) ? g_subprocess_get_exit_status (sub) : -1;
  error = hg_net_helper_error_for_exit (status, err);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&out), g_free);
}

void
hg_net_helper_run_async (HgHostCaps          *caps,
                         const char * const  *args,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(HgHostCaps) own_caps = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) sub = NULL;
  g_auto(GStrv) argv = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, hg_net_helper_run_async);
  if (caps == NULL)
    caps = own_caps = hg_host_caps_probe ();
  argv = hg_net_helper_build_argv (caps, args, &error);
  if (argv == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  launcher = hg_spawn_work_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* pkexec clears the environment itself */
  g_subprocess_launcher_set_environ (launcher, NULL);
  sub = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  if (sub == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_subprocess_communicate_utf8_async (sub, NULL, cancellable, on_communicated,
                                       g_steal_pointer (&task));
}

char *
hg_net_helper_run_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_net_helper_run_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
