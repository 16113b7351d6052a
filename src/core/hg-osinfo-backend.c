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

static HgOsInfo *
backend_detect_iso (const char    *path,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(OsinfoMedia) media = NULL;
  g_autoptr(OsinfoOs) os = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *arch = NULL;
  HgOsInfo *info;
  OsinfoDb *db;

  media = read_media (path, cancellable, &local);
  if (media == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, g_quark_from_static_string (HG_OSINFO_ERROR_QUARK_NAME), HG_OSINFO_ERROR_NOT_MEDIA,
                     _("%s cannot be read as install media: %s"), path,
                     local != NULL ? local->message : _("unknown error"));
      return NULL;
    }

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

static HgOsInfo *
backend_lookup (const char *id)
{
  g_autoptr(OsinfoOsList) list = NULL;
  HgOsInfo *found = NULL;
  OsinfoDb *db;

  g_mutex_lock (&db_lock);
  db = get_db (NULL);
  if (db != NULL)
    {
      OsinfoOs *os = osinfo_db_get_os (db, id);

      if (os != NULL)
        found = info_from_os (os, NULL);
      else
        {
          list = osinfo_db_get_os_list (db);
          for (int i = 0; found == NULL && i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
            {
              OsinfoOs *o = OSINFO_OS (osinfo_list_get_nth (OSINFO_LIST (list), i));
              if (g_strcmp0 (osinfo_product_get_short_id (OSINFO_PRODUCT (o)), id) == 0)
                found = info_from_os (o, NULL);
            }
        }
    }
  g_mutex_unlock (&db_lock);
  return found;
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

static const HgOsinfoBackend backend = {
  HG_OSINFO_BACKEND_ABI,
  backend_init,
  backend_detect_iso,
  backend_lookup,
  backend_search,
};

const HgOsinfoBackend *
hg_osinfo_backend (void)
{
  return &backend;
}
