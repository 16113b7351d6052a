/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ssh"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hg-runtime.h"
#include "hg-ssh.h"

/* Seconds the master stays after its last client (a hangarctl command, the
 * window's event stream or a console) went */
#define CONTROL_PERSIST_S 60

G_DEFINE_QUARK (hg-ssh-error-quark, hg_ssh_error)

/* ---- the destination ------------------------------------------------------ */

void
hg_ssh_target_free (HgSshTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->text);
  g_free (target->user);
  g_free (target->host);
  g_free (target->config_file);
  g_free (target);
}

/* Letters, digits, '.', '_' and '-' (plus extra), not starting with '-':
 * nothing ssh takes for an option, nothing a shell or ssh_config's %
 * tokens expand */
static gboolean
name_is_plain (const char *s,
               gsize       len,
               const char *extra)
{
  if (len == 0 || s[0] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && strchr ("._-", s[i]) == NULL &&
        (extra == NULL || strchr (extra, s[i]) == NULL))
      return FALSE;
  return TRUE;
}

static gboolean
invalid (const char  *text,
         const char  *why,
         GError     **error)
{
  g_autofree char *shown = g_utf8_make_valid (text, -1);

  g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_INVALID_TARGET,
               _("“%s” is not ssh://[user@]host[:port] nor a host alias of ~/.ssh/config: %s"),
               shown, why);
  return FALSE;
}

HgSshTarget *
hg_ssh_target_parse (const char  *text,
                     GError     **error)
{
  g_autoptr(HgSshTarget) target = g_new0 (HgSshTarget, 1);
  const char *rest = text;
  const char *at;
  const char *host_end;
  gboolean uri;

  g_return_val_if_fail (text != NULL, NULL);

  target->text = g_strdup (text);
  uri = g_str_has_prefix (text, "ssh://");
  if (uri)
    rest = text + strlen ("ssh://");
  else if (strstr (text, "://") != NULL)
    {
      invalid (text, _("only ssh:// is known"), error);
      return NULL;
    }

  at = strchr (rest, '@');
  if (at != NULL)
    {
      if (!name_is_plain (rest, (gsize) (at - rest), NULL))
        {
          invalid (text, _("the user name may hold letters, digits, “.”, “_” and “-” only"), error);
          return NULL;
        }
      target->user = g_strndup (rest, (gsize) (at - rest));
      rest = at + 1;
    }

  if (uri && rest[0] == '[')
    {
      host_end = strchr (rest, ']');
      if (host_end == NULL || !name_is_plain (rest + 1, (gsize) (host_end - rest - 1), ":%"))
        {
          invalid (text, _("an IPv6 address goes between [ and ]"), error);
          return NULL;
        }
      target->host = g_strndup (rest + 1, (gsize) (host_end - rest - 1));
      rest = host_end + 1;
    }
  else
    {
      host_end = rest + strcspn (rest, uri ? ":/" : "");
      if (!name_is_plain (rest, (gsize) (host_end - rest), NULL))
        {
          invalid (text, rest == host_end ? _("the host is missing")
                                          : _("the host may hold letters, digits, “.”, “_” and "
                                              "“-” only, and may not start with “-”"), error);
          return NULL;
        }
      target->host = g_strndup (rest, (gsize) (host_end - rest));
      rest = host_end;
    }

  if (uri && rest[0] == ':')
    {
      guint64 port = 0;
      g_autofree char *digits = g_strndup (rest + 1, strcspn (rest + 1, "/"));

      if (!g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL))
        {
          invalid (text, _("the port is a number from 1 to 65535"), error);
          return NULL;
        }
      target->port = (guint) port;
      rest += 1 + strcspn (rest + 1, "/");
    }
  if (g_str_equal (rest, "/"))
    rest++;
  if (rest[0] != '\0')
    {
      invalid (text, _("unexpected text after the host"), error);
      return NULL;
    }
  return g_steal_pointer (&target);
}

/* ---- quoting for the remote shell ---------------------------------------- */

char *
hg_ssh_quote (const char *arg)
{
  GString *s;

  g_return_val_if_fail (arg != NULL, NULL);

  s = g_string_sized_new (strlen (arg) + 2);
  g_string_append_c (s, '\'');
  for (const char *p = arg; *p != '\0'; p++)
    {
      if (*p == '\'')
        g_string_append (s, "'\\''");
      else
        g_string_append_c (s, *p);
    }
  g_string_append_c (s, '\'');
  return g_string_free (s, FALSE);
}

char *
hg_ssh_remote_command (const char * const *argv)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *q = hg_ssh_quote (argv[i]);

      if (i > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, q);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- ssh's argv ------------------------------------------------------------ */

char *
hg_ssh_control_path (GError **error)
{
  g_autofree char *root = hg_runtime_root ();

  if (!hg_runtime_ensure_dir (root, error))
    return NULL;
  return g_build_filename (root, "ssh-%C", NULL);
}

static void
add_option (GPtrArray  *argv,
            const char *option)
{
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (option));
}

GStrv
hg_ssh_build_argv (const HgSshTarget  *target,
                   const char * const *ssh_options,
                   const char * const *remote_argv,
                   GError            **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *control = NULL;

  g_return_val_if_fail (target != NULL && target->host != NULL, NULL);

  control = hg_ssh_control_path (error);
  if (control == NULL)
    return NULL;

  g_ptr_array_add (argv, g_strdup ("ssh"));
  if (target->config_file != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-F"));
      g_ptr_array_add (argv, g_strdup (target->config_file));
    }
  add_option (argv, "ControlMaster=auto");
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strconcat ("ControlPath=", control, NULL));
  g_ptr_array_add (argv, g_strdup_printf ("-oControlPersist=%d", CONTROL_PERSIST_S));
  /* a dead link is noticed by the master within 45 s */
  add_option (argv, "ServerAliveInterval=15");
  add_option (argv, "ServerAliveCountMax=3");
  if (target->port != 0)
    {
      g_ptr_array_add (argv, g_strdup ("-p"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", target->port));
    }
  if (target->user != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-l"));
      g_ptr_array_add (argv, g_strdup (target->user));
    }
  for (guint i = 0; ssh_options != NULL && ssh_options[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (ssh_options[i]));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (target->host));
  if (remote_argv != NULL)
    g_ptr_array_add (argv, hg_ssh_remote_command (remote_argv));
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

/* ---- running ----------------------------------------------------------------- */

static gboolean
run_argv (const char * const *argv,
          GBytes            **out,
          char              **err,
          int                *status,
          GCancellable       *cancellable,
          GError            **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out_bytes = NULL;
  g_autoptr(GBytes) err_bytes = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (proc == NULL)
    {
      g_prefix_error (error, _("cannot run ssh (install OpenSSH's client, openssh-client): "));
      return FALSE;
    }
  if (!g_subprocess_communicate (proc, NULL, cancellable, &out_bytes, &err_bytes, error))
    return FALSE;
  *status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : 255;
  if (out != NULL)
    *out = g_steal_pointer (&out_bytes);
  if (err != NULL)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (err_bytes, &len);
      g_autofree char *text = g_strndup (data != NULL ? data : "", len);

      *err = g_utf8_make_valid (g_strchomp (text), -1);
    }
  return TRUE;
}

gboolean
hg_ssh_run_sync (const HgSshTarget  *target,
                 const char * const *remote_argv,
                 GBytes            **out,
                 char              **err,
                 int                *status,
                 GCancellable       *cancellable,
                 GError            **error)
{
  g_auto(GStrv) argv = hg_ssh_build_argv (target, NULL, remote_argv, error);

  if (argv == NULL)
    return FALSE;
  return run_argv ((const char * const *) argv, out, err, status, cancellable, error);
}

char *
hg_ssh_probe_sync (const HgSshTarget  *target,
                   const char         *remote_hangarctl,
                   GCancellable       *cancellable,
                   GError            **error)
{
  const char *remote_argv[] = { remote_hangarctl, "version", "--json", NULL };
  g_autoptr(GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *o;
  int status = 0;
  gsize len = 0;
  const char *data;

  if (!hg_ssh_run_sync (target, remote_argv, &out, &err, &status, cancellable, error))
    return NULL;
  if (status == 255)
    {
      /* ssh's own words after our line: "Host key verification failed." */
      g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_CONNECT, _("cannot connect to %s\n%s"),
                   target->text, err[0] != '\0' ? err : _("ssh failed without a message"));
      return NULL;
    }
  if (status == 127 || status == 126)
    {
      g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_REMOTE_MISSING,
                   _("%s has no hangarctl (“%s”: %s): install Hangar there (the hangar package, "
                     "or “meson install” from its sources) so that hangarctl is on the PATH of "
                     "non-interactive ssh sessions, or give the path of its hangarctl"),
                   target->text, remote_hangarctl,
                   err[0] != '\0' ? err : (status == 127 ? _("command not found")
                                                          : _("not executable")));
      return NULL;
    }
  if (status != 0)
    {
      g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_REMOTE_TOO_OLD,
                   _("the hangarctl on %s does not know “version --json” (%s): it is older than "
                     "protocol %d; install Hangar %s or newer there"),
                   target->text, err[0] != '\0' ? err : _("no message"), HG_PROTOCOL_MIN,
                   PACKAGE_VERSION);
      return NULL;
    }
  data = g_bytes_get_data (out, &len);
  text = g_strndup (data != NULL ? data : "", len);
  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member ((o = json_node_get_object (root)), "protocol"))
    {
      g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_REMOTE_TOO_OLD,
                   _("the hangarctl on %s answers “version --json” without a protocol number: "
                     "it is older than protocol %d; install Hangar %s or newer there"),
                   target->text, HG_PROTOCOL_MIN, PACKAGE_VERSION);
      return NULL;
    }
  if (json_object_get_int_member (o, "protocol") < HG_PROTOCOL_MIN)
    {
      g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_REMOTE_TOO_OLD,
                   _("the hangarctl on %s is Hangar %s, protocol %d; this one needs protocol %d: "
                     "install Hangar %s or newer there"),
                   target->text,
                   json_object_get_string_member_with_default (o, "version", "?"),
                   (int) json_object_get_int_member (o, "protocol"), HG_PROTOCOL_MIN,
                   PACKAGE_VERSION);
      return NULL;
    }
  return g_steal_pointer (&text);
}

/* ---- the master ---------------------------------------------------------------- */

static gboolean
master_control (const HgSshTarget  *target,
                const char         *request,
                char              **err,
                GError            **error)
{
  const char *options[] = { "-O", request, NULL };
  g_auto(GStrv) argv = hg_ssh_build_argv (target, options, NULL, error);
  int status = 0;

  if (argv == NULL ||
      !run_argv ((const char * const *) argv, NULL, err, &status, NULL, error))
    return FALSE;
  if (status != 0)
    {
      g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_FAILED, "ssh -O %s: %s", request,
                   err != NULL && *err != NULL ? *err : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_ssh_master_check (const HgSshTarget *target)
{
  g_autofree char *err = NULL;

  return master_control (target, "check", &err, NULL);
}

gboolean
hg_ssh_master_exit (const HgSshTarget  *target,
                    GError            **error)
{
  g_autofree char *err = NULL;

  if (!hg_ssh_master_check (target))
    return TRUE;
  return master_control (target, "exit", &err, error);
}
