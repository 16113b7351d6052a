/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-runtime.h"
#include "hg-ssh.h"

/*
 * hangarctl --connect ssh://[user@]host[:port] COMMAND …: the command runs
 * in the hangarctl of the remote host, through the one OpenSSH master
 * connection of that host (hg-ssh.h).  Its output, errors and exit status
 * are the remote hangarctl's; ssh's own failures (exit 255: a host key that
 * changed, a refused login) are shown in OpenSSH's words.
 *
 * Paths inside VM options (ISO, kernel, disk image, --base) are the remote
 * host's.  Files named on the command line are local: `screenshot VM
 * FILE.png` streams the PNG back on ssh's stdout.  `console` is the local
 * terminal on the remote serial socket, forwarded by the master
 * (ssh -W socket: OpenSSH's streamlocal forwarding, no TCP port anywhere).
 * `disconnect` ends the master.
 */

#define PNG_SIGNATURE "\x89PNG\r\n\x1a\n"

typedef struct {
  HgSshTarget *target;
  const char  *hangarctl;   /* on the remote host */
  HgCliContext *ctx;
} Remote;

/* The remote hangarctl's argv: global options, then the command's */
static GPtrArray *
remote_argv (Remote      *r,
             int          argc,
             char       **argv)
{
  GPtrArray *a = g_ptr_array_new ();

  g_ptr_array_add (a, (char *) r->hangarctl);
  for (guint i = 0; r->ctx->bases != NULL && r->ctx->bases[i] != NULL; i++)
    {
      g_ptr_array_add (a, (char *) "--base");
      g_ptr_array_add (a, r->ctx->bases[i]);
    }
  if (r->ctx->json)
    g_ptr_array_add (a, (char *) "--json");
  g_ptr_array_add (a, (char *) "--");
  for (int i = 0; i < argc; i++)
    g_ptr_array_add (a, argv[i]);
  g_ptr_array_add (a, NULL);
  return a;
}

/* ssh's status 255 is its own failure: OpenSSH printed why */
static int
remote_status (Remote *r,
               int     status)
{
  if (status == 255)
    {
      hg_cli_error ("connect", _("the connection to %s failed (ssh's message above)"),
                    r->target->text);
      return HG_EXIT_FAILURE;
    }
  return status;
}

/* An error of the connection: OpenSSH's words (after the first line of
 * the message) as they are, then ours */
static int
connect_fail (Remote       *r,
              const GError *error)
{
  const char *nl = strchr (error->message, '\n');
  g_autofree char *first = nl != NULL ? g_strndup (error->message, (gsize) (nl - error->message))
                                      : g_strdup (error->message);

  if (nl != NULL)
    g_printerr ("%s\n", nl + 1);
  hg_cli_error ("connect", "%s", first);
  if (g_error_matches (error, HG_SSH_ERROR, HG_SSH_ERROR_REMOTE_MISSING) ||
      g_error_matches (error, HG_SSH_ERROR, HG_SSH_ERROR_REMOTE_TOO_OLD))
    return HG_EXIT_MISSING;
  if (g_error_matches (error, HG_SSH_ERROR, HG_SSH_ERROR_INVALID_TARGET))
    return HG_EXIT_USAGE;
  return HG_EXIT_FAILURE;
}

/* The command with the terminal's stdin, stdout and stderr */
static int
run_inherited (Remote *r,
               int     argc,
               char  **argv)
{
  g_autoptr(GPtrArray) rargv = remote_argv (r, argc, argv);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ssh = hg_ssh_build_argv (r->target, NULL, (const char * const *) rargv->pdata,
                                         &error);
  g_autoptr(GSubprocess) proc = NULL;

  if (ssh != NULL)
    proc = g_subprocess_newv ((const char * const *) ssh, G_SUBPROCESS_FLAGS_STDIN_INHERIT, &error);
  if (proc == NULL || !g_subprocess_wait (proc, NULL, &error))
    return connect_fail (r, error);
  if (!g_subprocess_get_if_exited (proc))
    return remote_status (r, 255);
  return remote_status (r, g_subprocess_get_exit_status (proc));
}

/* ---- screenshot VM FILE.png: the file is here ----------------------------------- */

static int
remote_screenshot (Remote *r,
                   int     argc,
                   char  **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) rargv = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *path = NULL;
  g_autofree char *parent = NULL;
  const char *file = NULL;
  const char *label = NULL;
  int status = 0;
  gsize len = 0;
  const char *data;

  /* the positional arguments: VM and FILE; --base DIR is the remote's */
  for (int i = 0; i < argc; i++)
    {
      if (i > 0 && g_str_equal (argv[i], "--base") && i + 1 < argc)
        {
          g_ptr_array_add (args, argv[i]);
          g_ptr_array_add (args, argv[++i]);
          continue;
        }
      if (i > 0 && argv[i][0] != '-')
        {
          if (label == NULL)
            label = argv[i];
          else if (file == NULL)
            {
              file = argv[i];
              g_ptr_array_add (args, (char *) "-");   /* the remote writes to stdout */
              continue;
            }
        }
      g_ptr_array_add (args, argv[i]);
    }
  if (file == NULL)
    return run_inherited (r, argc, argv);   /* --help, or the remote explains */

  path = g_canonicalize_filename (file, NULL);
  parent = g_path_get_dirname (path);
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      hg_cli_error ("screenshot", _("%s: the folder %s does not exist"), file, parent);
      return HG_EXIT_NOT_FOUND;
    }
  rargv = remote_argv (r, (int) args->len, (char **) args->pdata);
  if (!hg_ssh_run_sync (r->target, (const char * const *) rargv->pdata, &png, &err, &status,
                        NULL, &error))
    return connect_fail (r, error);
  if (err[0] != '\0')
    g_printerr ("%s\n", err);   /* the remote hangarctl's error, or ssh's */
  if (status != 0)
    return remote_status (r, status);
  data = g_bytes_get_data (png, &len);
  if (len < strlen (PNG_SIGNATURE) || memcmp (data, PNG_SIGNATURE, strlen (PNG_SIGNATURE)) != 0)
    {
      hg_cli_error ("screenshot", _("the hangarctl on %s sent no PNG image"), r->target->text);
      return HG_EXIT_FAILURE;
    }
  if (!g_file_set_contents (path, data, (gssize) len, &error))
    {
      hg_cli_error ("screenshot", "%s", error->message);
      return HG_EXIT_FAILURE;
    }
  g_print (_("Screenshot of VM '%s' on %s saved as %s\n"), label, r->target->text, path);
  return HG_EXIT_OK;
}

/* ---- console: the remote serial socket through the master ---------------------- */

/* ssh -O forward|cancel -L local:remote on the master */
static gboolean
master_forward (Remote      *r,
                const char  *request,
                const char  *spec,
                GError     **error)
{
  const char *options[] = { "-O", request, "-L", spec, NULL };
  g_auto(GStrv) ssh = hg_ssh_build_argv (r->target, options, NULL, error);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) err_bytes = NULL;

  if (ssh == NULL)
    return FALSE;
  proc = g_subprocess_newv ((const char * const *) ssh,
                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (proc == NULL || !g_subprocess_communicate (proc, NULL, NULL, NULL, &err_bytes, error))
    return FALSE;
  if (!g_subprocess_get_successful (proc))
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (err_bytes, &len);
      g_autofree char *text = g_strndup (data != NULL ? data : "", len);

      g_set_error (error, HG_SSH_ERROR, HG_SSH_ERROR_FAILED, "ssh -O %s -L %s: %s", request, spec,
                   g_strchomp (text));
      return FALSE;
    }
  return TRUE;
}

/* The remote serial socket forwarded by the master to a socket of ours
 * in the runtime dir (OpenSSH's streamlocal forwarding: no TCP port on
 * either host), the terminal on it, the forward cancelled after */
static int
forwarded_console (Remote     *r,
                   const char *label,
                   const char *remote_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *root = hg_runtime_root ();
  g_autofree char *name = g_strdup_printf ("console-%d-%08x.sock", (int) getpid (), g_random_int ());
  g_autofree char *local = g_build_filename (root, name, NULL);
  g_autofree char *spec = g_strconcat (local, ":", remote_path, NULL);
  int status;

  if (!hg_runtime_ensure_dir (root, &error) || !master_forward (r, "forward", spec, &error))
    return connect_fail (r, error);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &error);
  address = g_unix_socket_address_new (local);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, &error))
    {
      hg_cli_error ("console", _("cannot connect to the serial console of VM '%s' on %s "
                                 "through %s: %s"), label, r->target->text, local, error->message);
      g_clear_error (&error);
      master_forward (r, "cancel", spec, NULL);
      g_unlink (local);
      return HG_EXIT_FAILURE;
    }
  status = hg_cli_console_loop (label, g_socket_get_fd (socket), isatty (STDIN_FILENO));
  g_socket_close (socket, NULL);
  if (!master_forward (r, "cancel", spec, &error))
    g_debug ("%s", error->message);
  g_unlink (local);
  return status;
}


static int
remote_console (Remote *r,
                int     argc,
                char  **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) rargv = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  const char *serial;
  const char *label;
  JsonObject *o;
  JsonNode *root;
  int status = 0;
  gsize len = 0;
  const char *data;

  for (int i = 0; i < argc; i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      return run_inherited (r, argc, argv);
  g_ptr_array_add (args, (char *) "sockets");
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  rargv = remote_argv (r, (int) args->len, (char **) args->pdata);
  if (!hg_ssh_run_sync (r->target, (const char * const *) rargv->pdata, &out, &err, &status,
                        NULL, &error))
    return connect_fail (r, error);
  if (status != 0)
    {
      /* the remote's words name the command it ran: say ours */
      if (err[0] != '\0')
        g_printerr ("%s\n", err);
      return remote_status (r, status);
    }
  data = g_bytes_get_data (out, &len);
  text = g_strndup (data != NULL ? data : "", len);
  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      hg_cli_error ("console", _("the hangarctl on %s answered “sockets” with no JSON object"),
                    r->target->text);
      return HG_EXIT_FAILURE;
    }
  o = json_node_get_object (root);
  label = json_object_get_string_member_with_default (o, "label", "?");
  if (!json_object_get_boolean_member_with_default (o, "active", FALSE))
    {
      hg_cli_error ("console", _("VM '%s' on %s is not running"), label, r->target->text);
      return HG_EXIT_STATE;
    }
  serial = json_object_get_string_member_with_default (o, "serial", NULL);
  if (serial == NULL || serial[0] != '/')
    {
      hg_cli_error ("console", _("VM '%s' on %s has no serial port ([console] serial=false)"),
                    label, r->target->text);
      return HG_EXIT_STATE;
    }

  /* "host:port" would be read into a forward spec; a socket path of
   * Hangar has neither */
  if (strchr (serial, ':') != NULL)
    {
      hg_cli_error ("console", _("the serial socket of VM '%s' on %s has a “:” in its path: %s"),
                    label, r->target->text, serial);
      return HG_EXIT_FAILURE;
    }
  return forwarded_console (r, label, serial);
}

/* ---- the entry --------------------------------------------------------------------- */

int
hg_cli_remote_main (HgCliContext *ctx,
                    const char   *connect,
                    const char   *remote_hangarctl,
                    const char   *ssh_config,
                    int           argc,
                    char        **argv)
{
  g_autoptr(HgSshTarget) target = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  Remote r = { NULL, remote_hangarctl != NULL ? remote_hangarctl : "hangarctl", ctx };

  target = hg_ssh_target_parse (connect, &error);
  if (target == NULL)
    {
      hg_cli_error ("usage", "--connect: %s", error->message);
      return HG_EXIT_USAGE;
    }
  if (r.hangarctl[0] == '\0')
    {
      hg_cli_error ("usage", _("--remote-hangarctl needs the path of hangarctl on the remote host"));
      return HG_EXIT_USAGE;
    }
  if (ssh_config != NULL)
    target->config_file = g_strdup (ssh_config);
  r.target = target;

  if (g_str_equal (argv[0], "disconnect"))
    {
      if (argc > 1)
        {
          hg_cli_error ("disconnect", _("unexpected argument '%s'"), argv[1]);
          return HG_EXIT_USAGE;
        }
      if (!hg_ssh_master_exit (target, &error))
        {
          hg_cli_error ("disconnect", "%s", error->message);
          return HG_EXIT_FAILURE;
        }
      return HG_EXIT_OK;
    }

  /* at connect: is there a hangarctl that speaks our protocol? */
  version = hg_ssh_probe_sync (target, r.hangarctl, NULL, &error);
  if (version == NULL)
    return connect_fail (&r, error);

  if (g_str_equal (argv[0], "screenshot"))
    return remote_screenshot (&r, argc, argv);
  if (g_str_equal (argv[0], "console"))
    return remote_console (&r, argc, argv);
  return run_inherited (&r, argc, argv);
}
