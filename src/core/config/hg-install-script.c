/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-install"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-install-script.h"
#include "hg-vm-config.h"
#include "hg-osinfo-backend.h"
#include "hg-spawn.h"

/*
 * The answer file comes from libosinfo (hg-osinfo-backend.c,
 * backend_install_script); this file builds what delivers it: the kernel
 * and initrd taken from the ISO with xorriso's osirrox (argv only), the
 * answer file appended to the initrd as a cpio member of its own, or a
 * CD with the answer file (xorriso -as mkisofs, Joliet + Rock Ridge).
 */

#define XORRISO_TIMEOUT_MS (120 * 1000)
#define PASSWORD_FILE_MAX  4096

void
hg_install_script_free (HgInstallScript *script)
{
  if (script == NULL)
    return;
  g_free (script->os_id);
  g_free (script->os_name);
  g_free (script->script_id);
  g_free (script->profile);
  g_free (script->injection);
  g_free (script->filename);
  if (script->content != NULL)
    explicit_bzero (script->content, strlen (script->content));
  g_free (script->content);
  g_free (script->cmdline);
  g_free (script->kernel);
  g_free (script->initrd);
  g_free (script->arch);
  g_free (script);
}

void
hg_install_media_free (HgInstallMedia *media)
{
  if (media == NULL)
    return;
  g_free (media->kernel);
  g_free (media->initrd);
  g_free (media->append);
  g_free (media->cdrom);
  g_free (media);
}

HgInstallScript *
hg_install_script_generate (const char             *iso_path,
                            const char             *os_id,
                            const HgInstallParams  *params,
                            GError                **error)
{
  const HgOsinfoBackend *backend;

  g_return_val_if_fail (iso_path != NULL || os_id != NULL, NULL);
  g_return_val_if_fail (params != NULL && params->user != NULL && params->hostname != NULL, NULL);

  backend = _hg_osinfo_get_backend (error);
  if (backend == NULL)
    return NULL;
  return backend->install_script (iso_path, os_id, params, error);
}

/* ---- the initrd ------------------------------------------------------------ */

static void
cpio_header (GString    *out,
             const char *name,
             guint32     mode,
             guint32     nlink,
             guint32     size)
{
  gsize namesize = strlen (name) + 1;

  g_string_append_printf (out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                          0u, mode, 0u, 0u, nlink, 0u, size, 0u, 0u, 0u, 0u,
                          (guint32) namesize, 0u);
  g_string_append_len (out, name, (gssize) namesize);
  while (out->len % 4 != 0)
    g_string_append_c (out, '\0');
}

gboolean
hg_initrd_append_file (const char  *initrd_path,
                       const char  *name,
                       const char  *content,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(GString) cpio = g_string_new (NULL);
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GFile) file = g_file_new_for_path (initrd_path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GOutputStream) zout = NULL;
  gboolean ok;

  g_return_val_if_fail (strchr (name, '/') == NULL, FALSE);

  cpio_header (cpio, name, 0100600, 1, (guint32) length);
  g_string_append_len (cpio, content, (gssize) length);
  while (cpio->len % 4 != 0)
    g_string_append_c (cpio, '\0');
  cpio_header (cpio, "TRAILER!!!", 0, 1, 0);
  /* the kernel's unpacker wants each archive to end on a 512-byte block */
  while (cpio->len % 512 != 0)
    g_string_append_c (cpio, '\0');

  out = g_file_append_to (file, G_FILE_CREATE_PRIVATE, NULL, error);
  if (out == NULL)
    ok = FALSE;
  else
    {
      zout = g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (gzip));
      ok = g_output_stream_write_all (zout, cpio->str, cpio->len, NULL, NULL, error) &&
           g_output_stream_close (zout, NULL, error);
    }
  explicit_bzero (cpio->str, cpio->len);
  if (!ok && error != NULL && *error != NULL)
    g_prefix_error (error, _("Cannot add %s to the initrd %s: "), name, initrd_path);
  return ok;
}

/* ---- xorriso ----------------------------------------------------------------- */

static gboolean
run_xorriso (const char * const  *argv,
             const char          *what,
             GError             **error)
{
  g_autofree char *output = NULL;
  int status = -1;

  if (!hg_spawn_work_run (argv, NULL, XORRISO_TIMEOUT_MS, &output, &status) || status != 0)
    {
      g_autofree char *last = NULL;

      if (output != NULL)
        {
          g_auto(GStrv) lines = g_strsplit (g_strstrip (output), "\n", -1);
          guint n = g_strv_length (lines);
          last = n > 0 ? g_strdup (lines[n - 1]) : NULL;
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s failed (xorriso): %s"), what,
                   last != NULL && *last != '\0' ? last : _("no output"));
      return FALSE;
    }
  return TRUE;
}

char *
hg_install_find_xorriso (void)
{
  return g_find_program_in_path ("xorriso");
}

/* Copies the file at path (absolute on the ISO) out of iso to dest */
static gboolean
extract_from_iso (const char  *xorriso,
                  const char  *iso,
                  const char  *path,
                  const char  *dest,
                  GError     **error)
{
  g_autofree char *on_iso = g_strconcat (path[0] == '/' ? "" : "/", path, NULL);
  g_autofree char *what = g_strdup_printf (_("Taking %s from %s"), on_iso, iso);
  const char *argv[] = { xorriso, "-osirrox", "on", "-indev", iso, "-extract", on_iso, dest, NULL };

  if (!run_xorriso (argv, what, error))
    return FALSE;
  /* osirrox keeps the ISO's read-only mode: the answer file is appended */
  if (g_chmod (dest, 0600) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("Cannot make %s writable: %s"),
                   dest, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

HgInstallMedia *
hg_install_script_write_media (HgInstallScript  *script,
                               const char       *iso_path,
                               const char       *dir,
                               const char       *extra_append,
                               GError          **error)
{
  g_autoptr(HgInstallMedia) media = g_new0 (HgInstallMedia, 1);
  g_autofree char *xorriso = hg_install_find_xorriso ();
  GError *local = NULL;

  g_return_val_if_fail (script != NULL && dir != NULL, NULL);

  if (xorriso == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Express install needs xorriso to build its media (Debian package xorriso)"));
      return NULL;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("Cannot create %s: %s"),
                   dir, g_strerror (errsv));
      return NULL;
    }

  if (g_str_equal (script->injection, "initrd"))
    {
      g_autofree char *kernel_name = NULL, *initrd_name = NULL;

      if (iso_path == NULL || script->kernel == NULL || script->initrd == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("The installer's kernel and initrd are not known for %s"), script->os_name);
          return NULL;
        }
      kernel_name = g_path_get_basename (script->kernel);
      initrd_name = g_path_get_basename (script->initrd);
      media->kernel = g_build_filename (dir, kernel_name, NULL);
      media->initrd = g_build_filename (dir, initrd_name, NULL);
      if (g_str_equal (media->kernel, media->initrd))
        {
          g_free (media->initrd);
          media->initrd = g_build_filename (dir, "initrd", NULL);
        }
      if (!extract_from_iso (xorriso, iso_path, script->kernel, media->kernel, &local) ||
          !extract_from_iso (xorriso, iso_path, script->initrd, media->initrd, &local) ||
          !hg_initrd_append_file (media->initrd, script->filename, script->content,
                                  strlen (script->content), &local))
        {
          g_unlink (media->kernel);
          g_unlink (media->initrd);
          g_propagate_error (error, local);
          return NULL;
        }
      media->append = g_strjoin (" ", script->cmdline != NULL ? script->cmdline : "",
                                 extra_append != NULL ? extra_append : "", NULL);
      g_strstrip (media->append);
    }
  else if (g_str_equal (script->injection, "cdrom"))
    {
      g_autofree char *staging = g_build_filename (dir, script->filename, NULL);
      g_autofree char *graft = NULL;

      media->cdrom = g_build_filename (dir, "answers.iso", NULL);
      graft = g_strdup_printf ("/%s=%s", script->filename, staging);
      if (!g_file_set_contents_full (staging, script->content, -1, G_FILE_SET_CONTENTS_NONE, 0600,
                                     &local))
        {
          g_propagate_error (error, local);
          return NULL;
        }
      {
        const char *argv[] = { xorriso, "-as", "mkisofs", "-quiet", "-V", "OEMDRV", "-J", "-r",
                               "-graft-points", "-o", media->cdrom, graft, NULL };
        gboolean ok = run_xorriso (argv, _("Building the answer-file CD"), &local);

        g_unlink (staging);
        if (!ok)
          {
            g_unlink (media->cdrom);
            g_propagate_error (error, local);
            return NULL;
          }
        g_chmod (media->cdrom, 0600);
      }
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Delivering an install script by %s is not supported"), script->injection);
      return NULL;
    }
  return g_steal_pointer (&media);
}

/* ---- defaults from the session ------------------------------------------------- */

char *
hg_install_default_timezone (void)
{
  g_autofree char *text = NULL;
  g_autofree char *link = NULL;
  const char *tz = g_getenv ("TZ");

  if (tz != NULL && *tz != '\0' && *tz != ':' && strchr (tz, '/') != NULL && tz[0] != '/')
    return g_strdup (tz);
  if (g_file_get_contents ("/etc/timezone", &text, NULL, NULL) && *g_strstrip (text) != '\0')
    return g_steal_pointer (&text);
  link = g_file_read_link ("/etc/localtime", NULL);
  if (link != NULL && strstr (link, "zoneinfo/") != NULL)
    return g_strdup (strstr (link, "zoneinfo/") + strlen ("zoneinfo/"));
  return g_strdup ("UTC");
}

char *
hg_install_default_language (void)
{
  const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      const char *value = g_getenv (vars[i]);
      g_autofree char *lang = NULL;
      char *cut;

      if (value == NULL || *value == '\0')
        continue;
      lang = g_strdup (value);
      if ((cut = strpbrk (lang, ".@")) != NULL)
        *cut = '\0';
      if (g_str_equal (lang, "C") || g_str_equal (lang, "POSIX") || *lang == '\0')
        break;
      return g_steal_pointer (&lang);
    }
  return g_strdup ("en_US");
}

char *
hg_install_default_keyboard (void)
{
  g_autofree char *lang = hg_install_default_language ();
  const char *country = strchr (lang, '_');

  if (country == NULL || country[1] == '\0')
    return g_strdup ("us");
  return g_ascii_strdown (country + 1, -1);
}

char *
hg_install_read_password_file (const char  *path,
                               GError     **error)
{
  g_autofree char *shown = g_filename_display_name (path);
  g_autofree char *text = NULL;
  GStatBuf st;
  gsize len = 0;
  char *end;
  char *password;

  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("Password file %s: %s"),
                   shown, g_strerror (errsv));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > PASSWORD_FILE_MAX)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Password file %s: not a small regular file"), shown);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  end = strpbrk (text, "\r\n");
  if (end != NULL)
    *end = '\0';
  if (*text == '\0' || !g_utf8_validate (text, -1, NULL))
    {
      explicit_bzero (text, len);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Password file %s is empty (the password is its first line)"), shown);
      return NULL;
    }
  password = g_strdup (text);
  explicit_bzero (text, len);
  return password;
}

/* The [install] group of an express install (hg-install-phase.h); here, below
 * the command line that asks it */
gboolean
hg_install_phase_active (HgVmConfig *config)
{
  GKeyFile *kf = hg_vm_config_get_keyfile (config);

  return g_key_file_has_key (kf, "install", "express", NULL);
}

char *
hg_install_hostname_from_label (const char *label)
{
  char *name = g_ascii_strdown (label != NULL ? label : "", -1);

  for (char *c = name; *c != '\0'; c++)
    if (*c == '_' || *c == '.')
      *c = '-';
  return name;
}
