/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-osinfo"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <osinfo/osinfo.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/* libosinfo 1.10 leaks small allocations of its own while it loads
 * osinfo-db and reads a medium; they are not ours, and LeakSanitizer
 * cannot tell (glib has no frame pointers), so those calls run with leak
 * checking off in sanitizer builds. */
#define LIBOSINFO_BEGIN __lsan_disable ()
#define LIBOSINFO_END   __lsan_enable ()
#else
#define LIBOSINFO_BEGIN
#define LIBOSINFO_END
#endif

#include "hg-osinfo-backend.h"

/*
 * The libosinfo half of hg-osinfo.c, built as a module of its own
 * (hangar-osinfo.so) that hg-osinfo.c loads the first time OS data is
 * asked for: libosinfo brings libxml2, libsoup, ICU, SQLite and Kerberos
 * (~2.5 MB resident), which a window showing a library or a display, and
 * most hangarctl commands, never need.
 *
 * It uses nothing of libhangar-core (a module cannot see the program's
 * symbols): it fills HgOsInfo structs (hg-osinfo.h) with g_malloc'd
 * strings that hg_os_info_unref() frees.
 *
 * libosinfo is GLib-based and thread-unaware: the database is loaded once
 * and every use of it is serialised by db_lock.
 */

static GMutex db_lock;
static OsinfoLoader *db_loader;   /* owns the db */
static char *db_error;            /* why it could not be loaded */

static gboolean
db_has_oses (OsinfoDb *db)
{
  g_autoptr(OsinfoOsList) list = osinfo_db_get_os_list (db);

  return osinfo_list_get_length (OSINFO_LIST (list)) > 0;
}

/* With db_lock held */
static OsinfoDb *
get_db (GError **error)
{
  if (db_loader == NULL && db_error == NULL)
    {
      g_autoptr(GError) local = NULL;
      OsinfoLoader *loader = osinfo_loader_new ();

      LIBOSINFO_BEGIN;
      osinfo_loader_process_default_path (loader, &local);
      LIBOSINFO_END;
      if (local != NULL)
        {
          db_error = g_strdup (local->message);
          g_object_unref (loader);
        }
      else if (!db_has_oses (osinfo_loader_get_db (loader)))
        {
          db_error = g_strdup (_("the osinfo database holds no operating systems "
                                 "(is osinfo-db installed?)"));
          g_object_unref (loader);
        }
      else
        db_loader = loader;
    }
  if (db_loader == NULL)
    {
      g_set_error (error, g_quark_from_static_string (HG_OSINFO_ERROR_QUARK_NAME), HG_OSINFO_ERROR_NO_DATABASE,
                   _("Cannot load the operating system database: %s"), db_error);
      return NULL;
    }
  return osinfo_loader_get_db (db_loader);
}

static gboolean
backend_init (GError **error)
{
  gboolean ok;

  g_mutex_lock (&db_lock);
  ok = get_db (error) != NULL;
  g_mutex_unlock (&db_lock);
  return ok;
}

/* libosinfo arch names -> Hangar's */
static char *
map_arch (const char *arch)
{
  static const struct { const char *osinfo, *hangar; } map[] = {
    { "x86_64", "x86_64" }, { "i386", "i386" }, { "i486", "i386" }, { "i586", "i386" },
    { "i686", "i386" }, { "aarch64", "aarch64" }, { "armv7l", "arm" }, { "armv6l", "arm" },
    { "ppc64le", "ppc64" }, { "ppc64", "ppc64" }, { "ppc", "ppc" }, { "mips", "mips" },
    { "mipsel", "mipsel" }, { "sparc", "sparc" }, { "sparc64", "sparc64" },
    { "riscv64", "riscv64" }, { "m68k", "m68k" }, { "alpha", "alpha" }, { "sh4", "sh4" },
    { "s390x", "s390x" }, { "mips64el", "mips64el" },
  };

  for (guint i = 0; arch != NULL && i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (arch, map[i].osinfo))
      return g_strdup (map[i].hangar);
  return NULL;
}

/* The resources of an OS for an arch, following derives-from/clones */
static void
fill_resources (HgOsInfo  *info,
                OsinfoOs  *os,
                gboolean   recommended,
                guint      depth)
{
  g_autoptr(OsinfoResourcesList) list = recommended ? osinfo_os_get_recommended_resources (os)
                                                    : osinfo_os_get_minimum_resources (os);
  gboolean found = FALSE;

  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
    {
      OsinfoResources *res = OSINFO_RESOURCES (osinfo_list_get_nth (OSINFO_LIST (list), i));
      const char *arch = osinfo_resources_get_architecture (res);
      g_autofree char *mapped = map_arch (arch);
      gint64 ram = osinfo_resources_get_ram (res);
      gint64 storage = osinfo_resources_get_storage (res);
      gint cpus = osinfo_resources_get_n_cpus (res);

      if (arch != NULL && !g_str_equal (arch, "all") && info->arch != NULL &&
          g_strcmp0 (mapped, info->arch) != 0)
        continue;
      found = TRUE;
      if (recommended)
        {
          if (ram > 0 && info->memory_mib == 0)
            info->memory_mib = (guint) MIN (ram / (1024 * 1024), G_MAXUINT);
          if (storage > 0 && info->disk_bytes == 0)
            info->disk_bytes = (guint64) storage;
          if (cpus > 0 && info->cpus == 0)
            info->cpus = (guint) cpus;
        }
      else if (ram > 0 && info->min_memory_mib == 0)
        info->min_memory_mib = (guint) MIN (ram / (1024 * 1024), G_MAXUINT);
    }
  if (!found && depth < 8)
    {
      g_autoptr(OsinfoProductList) parents =
        osinfo_product_get_related (OSINFO_PRODUCT (os), OSINFO_PRODUCT_RELATIONSHIP_DERIVES_FROM);

      if (osinfo_list_get_length (OSINFO_LIST (parents)) == 0)
        {
          g_clear_object (&parents);
          parents = osinfo_product_get_related (OSINFO_PRODUCT (os),
                                                OSINFO_PRODUCT_RELATIONSHIP_CLONES);
        }
      if (osinfo_list_get_length (OSINFO_LIST (parents)) > 0)
        fill_resources (info, OSINFO_OS (osinfo_list_get_nth (OSINFO_LIST (parents), 0)),
                        recommended, depth + 1);
    }
}

/* PCI ids of the devices an OS has drivers for (own and inherited) ->
 * preferred bus and NIC.  osinfo-db names devices by URI
 * (http://pcisig.com/pci/VENDOR/PRODUCT), not by vendor-id fields. */
static void
fill_devices (HgOsInfo *info,
              OsinfoOs *os)
{
  g_autoptr(OsinfoDeviceList) devices = osinfo_os_get_all_devices (os, NULL);
  gboolean virtio_net = FALSE, virtio_blk = FALSE, e1000 = FALSE, rtl8139 = FALSE;

  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (devices)); i++)
    {
      OsinfoEntity *dev = osinfo_list_get_nth (OSINFO_LIST (devices), i);
      const char *id = osinfo_entity_get_id (dev);
      const char *pci = id != NULL ? strstr (id, "/pci/") : NULL;

      if (pci == NULL)
        continue;
      pci += strlen ("/pci/");
      if (g_ascii_strcasecmp (pci, "1af4/1000") == 0 || g_ascii_strcasecmp (pci, "1af4/1041") == 0)
        virtio_net = TRUE;
      else if (g_ascii_strcasecmp (pci, "1af4/1001") == 0 ||
               g_ascii_strcasecmp (pci, "1af4/1042") == 0)
        virtio_blk = TRUE;
      else if (g_ascii_strcasecmp (pci, "8086/100e") == 0)
        e1000 = TRUE;
      else if (g_ascii_strcasecmp (pci, "10ec/8139") == 0)
        rtl8139 = TRUE;
    }
  info->disk_bus = g_strdup (virtio_blk ? "virtio" : "ide");
  if (virtio_net)
    info->nic_model = g_strdup ("virtio-net-pci");
  else if (e1000)
    info->nic_model = g_strdup ("e1000");
  else if (rtl8139)
    info->nic_model = g_strdup ("rtl8139");
}

/* With db_lock held */
static HgOsInfo *
info_from_os (OsinfoOs   *os,
              const char *arch)
{
  HgOsInfo *info = g_new0 (HgOsInfo, 1);
  OsinfoProduct *product = OSINFO_PRODUCT (os);

  info->ref_count = 1;
  info->uri = g_strdup (osinfo_entity_get_id (OSINFO_ENTITY (os)));
  info->id = g_strdup (osinfo_product_get_short_id (product));
  if (info->id == NULL)
    info->id = g_strdup (info->uri);
  info->name = g_strdup (osinfo_product_get_name (product));
  if (info->name == NULL)
    info->name = g_strdup (info->id);
  info->version = g_strdup (osinfo_product_get_version (product));
  info->vendor = g_strdup (osinfo_product_get_vendor (product));
  info->family = g_strdup (osinfo_os_get_family (os));
  info->distro = g_strdup (osinfo_os_get_distro (os));
  info->release_date = g_strdup (osinfo_product_get_release_date_string (product));
  info->eol_date = g_strdup (osinfo_product_get_eol_date_string (product));
  info->arch = g_strdup (arch);
  fill_resources (info, os, TRUE, 0);
  fill_resources (info, os, FALSE, 0);
  if (info->memory_mib == 0)
    info->memory_mib = info->min_memory_mib;
  fill_devices (info, os);
  return info;
}

/* libosinfo's synchronous read of a medium runs a GMainLoop on the
 * thread-default context until its own async reads are done.  In a worker
 * thread (hg_osinfo_detect_iso_async) that is the global default context,
 * GTK's: the worker would then dispatch the window's sources (idles, X
 * events) while the main thread runs them too.  It gets a context of its
 * own, drained before it goes, whatever thread this is. */
static OsinfoMedia *
read_media (const char    *path,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  OsinfoMedia *media;

  g_main_context_push_thread_default (context);
  LIBOSINFO_BEGIN;
  media = osinfo_media_create_from_location_with_flags (path, cancellable, 0, error);
  LIBOSINFO_END;
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return media;
}


/* The medium at path, read by libosinfo (not identified yet) */
static OsinfoMedia *
media_from_path (const char    *path,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GError) local = NULL;
  OsinfoMedia *media;

  media = read_media (path, cancellable, &local);
  if (media == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, g_quark_from_static_string (HG_OSINFO_ERROR_QUARK_NAME), HG_OSINFO_ERROR_NOT_MEDIA,
                     _("%s cannot be read as install media: %s"), path,
                     local != NULL ? local->message : _("unknown error"));
    }
  return media;
}

static HgOsInfo *
backend_detect_iso (const char    *path,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(OsinfoMedia) media = NULL;
  g_autoptr(OsinfoOs) os = NULL;
  g_autofree char *arch = NULL;
  HgOsInfo *info;
  OsinfoDb *db;

  media = media_from_path (path, cancellable, error);
  if (media == NULL)
    return NULL;

  g_mutex_lock (&db_lock);
  db = get_db (error);
  if (db == NULL)
    {
      g_mutex_unlock (&db_lock);
      return NULL;
    }
  if (!osinfo_db_identify_media (db, media) || (os = osinfo_media_get_os (media)) == NULL)
    {
      const char *volume = osinfo_media_get_volume_id (media);

      g_mutex_unlock (&db_lock);
      g_set_error (error, g_quark_from_static_string (HG_OSINFO_ERROR_QUARK_NAME), HG_OSINFO_ERROR_UNKNOWN,
                   _("The operating system on %s (volume “%s”) is not one libosinfo knows"),
                   path, volume != NULL ? volume : "");
      return NULL;
    }
  arch = map_arch (osinfo_media_get_architecture (media));
  info = info_from_os (os, arch);
  info->volume_id = g_strdup (osinfo_media_get_volume_id (media));
  info->live = osinfo_media_get_live (media);
  info->installer = osinfo_media_get_installer (media);
  g_mutex_unlock (&db_lock);
  return info;
}

static gboolean
matches (OsinfoOs  *os,
         char     **words)
{
  OsinfoProduct *p = OSINFO_PRODUCT (os);
  const char *name = osinfo_product_get_name (p);
  const char *short_id = osinfo_product_get_short_id (p);
  const char *vend = osinfo_product_get_vendor (p);
  g_autofree char *hay = g_utf8_casefold (name != NULL ? name : "", -1);
  g_autofree char *id = g_utf8_casefold (short_id != NULL ? short_id : "", -1);
  g_autofree char *vendor = g_utf8_casefold (vend != NULL ? vend : "", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (strstr (hay, words[i]) == NULL && strstr (id, words[i]) == NULL &&
          strstr (vendor, words[i]) == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
backend_search (char      **words,
                GPtrArray  *result)
{
  g_autoptr(OsinfoOsList) list = NULL;
  OsinfoDb *db;

  g_mutex_lock (&db_lock);
  db = get_db (NULL);
  if (db != NULL)
    {
      list = osinfo_db_get_os_list (db);
      for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
        {
          OsinfoOs *os = OSINFO_OS (osinfo_list_get_nth (OSINFO_LIST (list), i));
          if (matches (os, words))
            g_ptr_array_add (result, info_from_os (os, NULL));
        }
    }
  g_mutex_unlock (&db_lock);
}

/* ---- firmware facts ------------------------------------------------------- */

/* With db_lock held: an OS by short id or URI */
static OsinfoOs *
find_os (OsinfoDb   *db,
         const char *id)
{
  g_autoptr(OsinfoOsList) list = NULL;
  OsinfoOs *os = osinfo_db_get_os (db, id);

  if (os != NULL)
    return os;
  list = osinfo_db_get_os_list (db);
  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
    {
      OsinfoOs *o = OSINFO_OS (osinfo_list_get_nth (OSINFO_LIST (list), i));
      if (g_strcmp0 (osinfo_product_get_short_id (OSINFO_PRODUCT (o)), id) == 0)
        return o;
    }
  return NULL;
}

static HgOsInfo *
backend_lookup (const char *id)
{
  HgOsInfo *found = NULL;
  OsinfoDb *db;
  OsinfoOs *os;

  g_mutex_lock (&db_lock);
  db = get_db (NULL);
  os = db != NULL ? find_os (db, id) : NULL;
  if (os != NULL)
    found = info_from_os (os, NULL);
  g_mutex_unlock (&db_lock);
  return found;
}

/* Hangar's arch -> the names libosinfo may use for it */
static gboolean
arch_matches (const char *osinfo_arch,
              const char *arch)
{
  g_autofree char *mapped = map_arch (osinfo_arch);

  return osinfo_arch == NULL || g_str_equal (osinfo_arch, "all") || arch == NULL ||
         g_strcmp0 (mapped, arch) == 0;
}

static gboolean
backend_firmware_facts_do (const char            *id,
                           const char            *arch,
                           HgOsinfoFirmwareFacts *out)
{
  OsinfoDb *db;
  OsinfoOs *os;

  memset (out, 0, sizeof *out);
  g_mutex_lock (&db_lock);
  db = get_db (NULL);
  os = db != NULL ? find_os (db, id) : NULL;
  if (os != NULL)
    {
      /* the OS's own entries and those it inherits (derives-from, clones) */
      g_autoptr(OsinfoFirmwareList) firmwares = osinfo_os_get_complete_firmware_list (os, NULL);
      g_autoptr(OsinfoDeviceList) devices = osinfo_os_get_all_devices (os, NULL);

      out->known = TRUE;
      out->name = g_strdup (osinfo_product_get_name (OSINFO_PRODUCT (os)));
      out->family = g_strdup (osinfo_os_get_family (os));
      for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (firmwares)); i++)
        {
          OsinfoFirmware *fw = OSINFO_FIRMWARE (osinfo_list_get_nth (OSINFO_LIST (firmwares), i));
          const char *type = osinfo_firmware_get_firmware_type (fw);
          OsinfoEntity *entity = OSINFO_ENTITY (fw);

          if (!arch_matches (osinfo_firmware_get_architecture (fw), arch))
            continue;
          if (g_strcmp0 (type, "efi") == 0 && osinfo_firmware_is_supported (fw))
            out->efi = TRUE;
          if (g_strcmp0 (type, "bios") == 0 && !osinfo_firmware_is_supported (fw))
            out->bios_unsupported = TRUE;
          /* newer osinfo-db entries name firmware features */
          if (osinfo_entity_get_param_value_boolean_with_default (entity, "secure-boot", FALSE) ||
              osinfo_entity_get_param_value_boolean_with_default (entity, "enrolled-keys", FALSE))
            out->secure_boot = TRUE;
        }
      for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (devices)); i++)
        {
          OsinfoDevice *dev = OSINFO_DEVICE (osinfo_list_get_nth (OSINFO_LIST (devices), i));
          if (g_strcmp0 (osinfo_device_get_class (dev), "tpm") == 0)
            out->tpm = TRUE;
        }
    }
  g_mutex_unlock (&db_lock);
  return out->known;
}

/* ---- install scripts ------------------------------------------------------ */

#define SCRIPT_ERROR(error, ...) \
  g_set_error (error, g_quark_from_static_string (HG_OSINFO_ERROR_QUARK_NAME), \
               HG_OSINFO_ERROR_NO_INSTALL_SCRIPT, __VA_ARGS__)

/* The script of the profile asked for: media's own list first (as
 * virt-install does), then the OS's; desktop, then jeos by default */
static OsinfoInstallScript *
pick_script (OsinfoMedia *media,
             OsinfoOs    *os,
             const char  *profile)
{
  g_autoptr(OsinfoInstallScriptList) from_media = media != NULL ? osinfo_media_get_install_script_list (media) : NULL;
  g_autoptr(OsinfoInstallScriptList) from_os = osinfo_os_get_install_script_list (os);
  OsinfoList *lists[] = { OSINFO_LIST (from_media), OSINFO_LIST (from_os) };
  const char *profiles[] = { profile != NULL ? profile : "desktop", profile != NULL ? NULL : "jeos" };

  for (guint p = 0; p < G_N_ELEMENTS (profiles); p++)
    for (guint l = 0; profiles[p] != NULL && l < G_N_ELEMENTS (lists); l++)
      for (int i = 0; lists[l] != NULL && i < osinfo_list_get_length (lists[l]); i++)
        {
          OsinfoInstallScript *script = OSINFO_INSTALL_SCRIPT (osinfo_list_get_nth (lists[l], i));

          if (g_strcmp0 (osinfo_install_script_get_profile (script), profiles[p]) == 0)
            return g_object_ref (script);
        }
  return NULL;
}

/* With db_lock held: the first installer medium of os for arch that names
 * its kernel and initrd */
static OsinfoMedia *
installer_media_of (OsinfoOs   *os,
                    const char *arch)
{
  g_autoptr(OsinfoMediaList) list = osinfo_os_get_media_list (os);

  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
    {
      OsinfoMedia *m = OSINFO_MEDIA (osinfo_list_get_nth (OSINFO_LIST (list), i));

      if (osinfo_media_get_installer (m) && osinfo_media_get_kernel_path (m) != NULL &&
          arch_matches (osinfo_media_get_architecture (m), arch))
        return g_object_ref (m);
    }
  return NULL;
}

static HgInstallScript *
backend_install_script_do (const char             *iso_path,
                           const char             *os_id,
                           const HgInstallParams  *params,
                           GError                **error)
{
  g_autoptr(OsinfoMedia) media = NULL;
  g_autoptr(OsinfoMedia) known_media = NULL;
  g_autoptr(OsinfoOs) os = NULL;
  g_autoptr(OsinfoInstallScript) script = NULL;
  g_autoptr(OsinfoInstallConfig) config = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *content = NULL;
  HgInstallScript *result;
  const char *name;
  unsigned int methods;
  OsinfoInstallScriptInjectionMethod method;
  OsinfoDb *db;

  if (iso_path != NULL && (media = media_from_path (iso_path, NULL, error)) == NULL)
    return NULL;

  g_mutex_lock (&db_lock);
  db = get_db (error);
  if (db == NULL)
    {
      g_mutex_unlock (&db_lock);
      return NULL;
    }
  if (media != NULL)
    {
      if (!osinfo_db_identify_media (db, media) || (os = osinfo_media_get_os (media)) == NULL)
        {
          const char *volume = osinfo_media_get_volume_id (media);

          g_mutex_unlock (&db_lock);
          g_set_error (error, g_quark_from_static_string (HG_OSINFO_ERROR_QUARK_NAME), HG_OSINFO_ERROR_UNKNOWN,
                       _("The operating system on %s (volume “%s”) is not one libosinfo knows, so "
                         "it has no install script for it"),
                       iso_path, volume != NULL ? volume : "");
          return NULL;
        }
    }
  else
    {
      OsinfoOs *found = find_os (db, os_id);

      if (found == NULL)
        {
          g_mutex_unlock (&db_lock);
          g_set_error (error, g_quark_from_static_string (HG_OSINFO_ERROR_QUARK_NAME), HG_OSINFO_ERROR_UNKNOWN,
                       _("“%s” is not an operating system libosinfo knows"), os_id);
          return NULL;
        }
      os = g_object_ref (found);
      known_media = installer_media_of (os, NULL);
    }
  name = osinfo_product_get_name (OSINFO_PRODUCT (os));

  if (media != NULL && !osinfo_media_get_installer (media))
    {
      g_mutex_unlock (&db_lock);
      SCRIPT_ERROR (error, _("Express install is not available for %s: %s is not an installer "
                             "medium (a live medium installs by hand)"), name, iso_path);
      return NULL;
    }
  script = pick_script (media, os, params->profile);
  if (script == NULL)
    {
      g_mutex_unlock (&db_lock);
      if (params->profile != NULL)
        SCRIPT_ERROR (error, _("Express install is not available for %s: libosinfo has no "
                               "install script of the profile “%s” for it"), name, params->profile);
      else
        SCRIPT_ERROR (error, _("Express install is not available for %s: libosinfo has no "
                               "install script for it"), name);
      return NULL;
    }
  if (media != NULL && !osinfo_media_supports_installer_script (media))
    {
      g_mutex_unlock (&db_lock);
      SCRIPT_ERROR (error, _("Express install is not available for %s: libosinfo says this "
                             "medium (volume “%s”) does not support install scripts"),
                    name, osinfo_media_get_volume_id (media));
      return NULL;
    }

  /* delivery: the installer's own initrd when the medium names its kernel,
   * else an extra CD, floppy or disk */
  methods = osinfo_install_script_get_injection_methods (script);
  {
    OsinfoMedia *m = media != NULL ? media : known_media;
    gboolean kernel_known = m != NULL && osinfo_media_get_kernel_path (m) != NULL &&
                            osinfo_media_get_initrd_path (m) != NULL;

    if ((methods & OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD) && (kernel_known || media == NULL))
      method = OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD;
    else if (methods & OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_CDROM)
      method = OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_CDROM;
    else
      {
        g_mutex_unlock (&db_lock);
        if (methods & OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD)
          SCRIPT_ERROR (error, _("Express install is not available for %s: its install script "
                                 "goes into the installer's initrd, and libosinfo does not know "
                                 "where the kernel and initrd are on this medium"), name);
        else
          SCRIPT_ERROR (error, _("Express install is not available for %s: its install script "
                                 "is delivered on a floppy or disk, which Hangar does not make "
                                 "yet"), name);
        return NULL;
      }
  }
  osinfo_install_script_set_preferred_injection_method (script, method);
  osinfo_install_script_set_installation_source (script, OSINFO_INSTALL_SCRIPT_INSTALLATION_SOURCE_MEDIA);

  config = osinfo_install_config_new ("http://hangar.invalid/install-config");
  osinfo_install_config_set_user_login (config, params->user);
  osinfo_install_config_set_user_realname (config, params->user);
  osinfo_install_config_set_user_password (config, params->password);
  osinfo_install_config_set_admin_password (config, params->password);
  osinfo_install_config_set_user_administrator (config, TRUE);
  osinfo_install_config_set_hostname (config, params->hostname);
  osinfo_install_config_set_l10n_timezone (config, params->timezone != NULL ? params->timezone : "UTC");
  if (params->keyboard != NULL)
    osinfo_install_config_set_l10n_keyboard (config, params->keyboard);
  if (params->language != NULL)
    osinfo_install_config_set_l10n_language (config, params->language);
  if (params->target_disk != NULL)
    osinfo_install_config_set_target_disk (config, params->target_disk);
  osinfo_install_config_set_reg_product_key (config, params->product_key != NULL ? params->product_key : "");
  {
    OsinfoMedia *m = media != NULL ? media : known_media;
    const char *arch = m != NULL ? osinfo_media_get_architecture (m) : NULL;
    osinfo_install_config_set_hardware_arch (config, arch != NULL ? arch : "x86_64");
  }

  result = g_new0 (HgInstallScript, 1);
  LIBOSINFO_BEGIN;
  /* kernel arguments only where Hangar boots the installer's kernel
   * (scripts without a command-line template give their XSL back) */
  if (media != NULL)
    {
      content = osinfo_install_script_generate_for_media (script, media, config, NULL, &local);
      if (method == OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD)
        result->cmdline = osinfo_install_script_generate_command_line_for_media (script, media, config);
    }
  else
    {
      content = osinfo_install_script_generate (script, os, config, NULL, &local);
      if (method == OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD)
        result->cmdline = osinfo_install_script_generate_command_line (script, os, config);
    }
  LIBOSINFO_END;
  if (content == NULL)
    {
      g_mutex_unlock (&db_lock);
      g_free (result->cmdline);
      g_free (result);
      SCRIPT_ERROR (error, _("Express install is not available for %s: libosinfo could not "
                             "generate its install script: %s"), name,
                    local != NULL ? local->message : _("unknown error"));
      return NULL;
    }
  result->content = g_steal_pointer (&content);
  result->os_id = g_strdup (osinfo_product_get_short_id (OSINFO_PRODUCT (os)));
  result->os_name = g_strdup (name);
  result->script_id = g_strdup (osinfo_entity_get_id (OSINFO_ENTITY (script)));
  result->profile = g_strdup (osinfo_install_script_get_profile (script));
  result->filename = g_strdup (osinfo_install_script_get_expected_filename (script));
  result->injection = g_strdup (method == OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD ? "initrd" : "cdrom");
  result->needs_internet = osinfo_install_script_get_needs_internet (script);
  {
    OsinfoMedia *m = media != NULL ? media : known_media;

    if (m != NULL && method == OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD)
      {
        result->kernel = g_strdup (osinfo_media_get_kernel_path (m));
        result->initrd = g_strdup (osinfo_media_get_initrd_path (m));
      }
    if (m != NULL)
      result->arch = map_arch (osinfo_media_get_architecture (m));
  }
  if (result->cmdline != NULL)
    g_strstrip (result->cmdline);
  g_mutex_unlock (&db_lock);
  return result;
}

/* ---- cloud images --------------------------------------------------------- */

static char *
backend_identify_image_do (const char  *basename,
                           char       **out_arch)
{
  g_autoptr(OsinfoOsList) list = NULL;
  char *found = NULL;
  OsinfoDb *db;

  g_mutex_lock (&db_lock);
  db = get_db (NULL);
  if (db != NULL)
    {
      list = osinfo_db_get_os_list (db);
      for (int i = 0; found == NULL && i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
        {
          OsinfoOs *os = OSINFO_OS (osinfo_list_get_nth (OSINFO_LIST (list), i));
          g_autoptr(OsinfoImageList) images = osinfo_os_get_image_list (os);

          for (int j = 0; found == NULL && j < osinfo_list_get_length (OSINFO_LIST (images)); j++)
            {
              OsinfoImage *image = OSINFO_IMAGE (osinfo_list_get_nth (OSINFO_LIST (images), j));
              const char *url = osinfo_image_get_url (image);
              const char *slash = url != NULL ? strrchr (url, '/') : NULL;

              if (slash != NULL && g_str_equal (slash + 1, basename))
                {
                  found = g_strdup (osinfo_product_get_short_id (OSINFO_PRODUCT (os)));
                  if (out_arch != NULL)
                    *out_arch = map_arch (osinfo_image_get_architecture (image));
                }
            }
        }
    }
  g_mutex_unlock (&db_lock);
  return found;
}

/* libosinfo allocates while it reads the database: see LIBOSINFO_BEGIN */
static HgInstallScript *
backend_install_script (const char             *iso_path,
                        const char             *os_id,
                        const HgInstallParams  *params,
                        GError                **error)
{
  HgInstallScript *result;

  LIBOSINFO_BEGIN;
  result = backend_install_script_do (iso_path, os_id, params, error);
  LIBOSINFO_END;
  return result;
}

/* libosinfo allocates while it reads the database: see LIBOSINFO_BEGIN */
static gboolean
backend_firmware_facts (const char            *id,
                        const char            *arch,
                        HgOsinfoFirmwareFacts *out)
{
  gboolean result;

  LIBOSINFO_BEGIN;
  result = backend_firmware_facts_do (id, arch, out);
  LIBOSINFO_END;
  return result;
}

/* libosinfo allocates while it reads the database: see LIBOSINFO_BEGIN */
static char *
backend_identify_image (const char  *basename,
                        char       **out_arch)
{
  char *result;

  LIBOSINFO_BEGIN;
  result = backend_identify_image_do (basename, out_arch);
  LIBOSINFO_END;
  return result;
}

static const HgOsinfoBackend backend = {
  HG_OSINFO_BACKEND_ABI,
  backend_init,
  backend_detect_iso,
  backend_lookup,
  backend_search,
  backend_firmware_facts,
  backend_install_script,
  backend_identify_image,
};

const HgOsinfoBackend *
hg_osinfo_backend (void)
{
  return &backend;
}
