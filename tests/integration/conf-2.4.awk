# conf-2.4.awk - rewrites a dovecot.conf the harness wrote in Dovecot 2.3
# syntax into 2.4 syntax (conf_for_version in lib-world.sh runs it when
# the Dovecot under test is 2.4). Only what the suite writes is known
# here; anything else passes unchanged, and doveconf then names it.
# Running it on its own output changes nothing, so a file may be checked
# again after a case appended to it.
#
#   plugin { K = V }              K = V at the top level (2.4 has no plugin
#                                 block; our settings module declares
#                                 the retrieve_* keys)
#   sieve = file:P;active=A       sieve_script personal { path, active_path }
#   mail_plugins = $mail_plugins X  mail_plugins { X = yes }
#   mail_location = D:P           mail_driver = D, mail_path = P
#   location = D:P:INDEX=I        (in a namespace) mail_driver, mail_path,
#                                 mail_index_path
#   passdb { driver = passwd-file, args = scheme=S F }
#                                 passdb passwd-file { passwd_file_path = F,
#                                 passdb_default_password_scheme = S }
#   ssl_cert = <F, ssl_key = <F   ssl_server_cert_file = F, ..._key_file
#   disable_plaintext_auth = no   auth_allow_cleartext = yes
#   protocols = none              (nothing: no protocol is the default)
#   address = A (inet_listener)   listen = A
#   service_count = N (service)   restart_request_count = N (0: unlimited)
#   %Lu, %u, %h                   %{user|lower}, %{user}, %{home}
#   retrieve_oauth2_P_F = V       retrieve_oauth2 P { retrieve_oauth2_F = V }
#   passdb { driver = oauth2, args = FILE, mechanisms = M }
#                                 passdb oauth2 { mechanisms_filter = M },
#                                 oauth2 { FILE's settings, the client's
#                                 id and secret also in the URL }
# and every file gets the dovecot_config_version and
# dovecot_storage_version lines 2.4 requires first (before an !include;
# an included file may repeat them).

function settings_line(line,    m, name, field) {
	gsub(/%Lu/, "%{user|lower}", line)
	gsub(/%h/, "%{home}", line)
	gsub(/%u/, "%{user}", line)
	# 2.3 retrieve_oauth2_<provider>_<field> = V: 2.4's named filter
	# retrieve_oauth2 <provider> { retrieve_oauth2_<field> = V }
	if (match(line, /^retrieve_oauth2_.*_(token_url|client_id|client_secret|scope|mechanism) = /)) {
		m = substr(line, 1, RLENGTH - 3)
		match(m, /_(token_url|client_id|client_secret|scope|mechanism)$/)
		field = substr(m, RSTART + 1)
		name = substr(m, 17, RSTART - 17)
		if (name != oauth2_open) {
			oauth2_close()
			print "retrieve_oauth2 " name " {"
			oauth2_open = name
		}
		print "  retrieve_oauth2_" field substr(line, length(m) + 1)
		return
	}
	oauth2_close()
	if (match(line, /^[ \t]*sieve = file:/)) {
		m = substr(line, RLENGTH + 1)
		split(m, parts, /;active=/)
		print "sieve_script personal {"
		print "  driver = file"
		print "  path = " parts[1]
		if (parts[2] != "")
			print "  active_path = " parts[2]
		print "}"
		return
	}
	if (match(line, /^[ \t]*mail_plugins = /)) {
		n = split(substr(line, RLENGTH + 1), words, /[ \t]+/)
		print "mail_plugins {"
		for (i = 1; i <= n; i++)
			if (words[i] != "" && words[i] != "$mail_plugins")
				print "  " words[i] " = yes"
		print "}"
		return
	}
	if (match(line, /^[ \t]*mail_location = /) ||
	    match(line, /^[ \t]*location = /)) {
		indent = line
		sub(/[^ \t].*/, "", indent)
		n = split(substr(line, RLENGTH + 1), loc, /:/)
		print indent "mail_driver = " loc[1]
		print indent "mail_path = " loc[2]
		for (i = 3; i <= n; i++)
			if (loc[i] ~ /^INDEX=/)
				print indent "mail_index_path = " substr(loc[i], 7)
		return
	}
	if (line ~ /^[ \t]*ssl_cert = </) {
		sub(/ssl_cert = </, "ssl_server_cert_file = ", line)
	} else if (line ~ /^[ \t]*ssl_key = </) {
		sub(/ssl_key = </, "ssl_server_key_file = ", line)
	} else if (line ~ /^[ \t]*disable_plaintext_auth = no$/) {
		sub(/disable_plaintext_auth = no/, "auth_allow_cleartext = yes", line)
	} else if (line ~ /^[ \t]*disable_plaintext_auth = yes$/) {
		sub(/disable_plaintext_auth = yes/, "auth_allow_cleartext = no", line)
	} else if (line ~ /^protocols = none$/) {
		return
	} else if (in_listener && line ~ /^[ \t]*address = /) {
		sub(/address = /, "listen = ", line)
	} else if (line ~ /^[ \t]*service_count = 0$/) {
		sub(/service_count = 0/, "restart_request_count = unlimited", line)
	} else if (line ~ /^[ \t]*service_count = /) {
		sub(/service_count = /, "restart_request_count = ", line)
	}
	print line
}

function oauth2_close() {
	if (oauth2_open != "")
		print "}"
	oauth2_open = ""
}

# the end of a passdb/userdb block: its 2.4 form
function db_flush(    n, a, i, file) {
	print db_kind " " db_driver " {"
	if (db_driver == "passwd-file") {
		n = split(db_args, a, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (a[i] ~ /^scheme=/)
				print "  passdb_default_password_scheme = " substr(a[i], 8)
			else if (a[i] != "")
				file = a[i]
		}
		gsub(/%Lu/, "%{user|lower}", file)
		print "  passwd_file_path = " file
	} else if (db_driver == "oauth2") {
		# 2.3 reads the file of args; 2.4 wants its settings in the
		# top-level oauth2 filter, which the SASL mechanisms read too
		# (printed after this block)
		# (2.4.1 posts only the token to the introspection URL: the
		# client's credentials go into the URL, as HTTP basic auth)
		oauth2_block = "oauth2 {\n"
		cid = csecret = iurl = ""
		while ((getline l < db_args) > 0) {
			if (l ~ /^[ \t]*(#.*)?$/)
				continue
			sub(/^tls_ca_cert_file =/, "ssl_client_ca_file =", l)
			if (l ~ /^client_id = /)
				cid = substr(l, 13)
			else if (l ~ /^client_secret = /)
				csecret = substr(l, 17)
			if (l ~ /^introspection_url = /)
				iurl = substr(l, 21)
			else
				oauth2_block = oauth2_block "  " l "\n"
		}
		close(db_args)
		if (iurl != "" && cid != "")
			sub(/:\/\//, "://" cid ":" csecret "@", iurl)
		if (iurl != "")
			oauth2_block = oauth2_block "  introspection_url = " iurl "\n"
		oauth2_block = oauth2_block "}\n"
	} else if (db_args != "") {
		print "  # 2.3 args, no 2.4 form known here: " db_args
	}
	gsub(/(^|\n)  mechanisms = /, "&_", db_rest)
	gsub(/mechanisms = _/, "mechanisms_filter = ", db_rest)
	printf "%s", db_rest
	print "}"
	printf "%s", oauth2_block
	oauth2_block = ""
	db_kind = ""
}

BEGIN { first = 1 }

{
	line = $0
	if (first && line !~ /^[ \t]*(#.*)?$/) {
		first = 0
		if (line !~ /^dovecot_config_version/) {
			print "dovecot_config_version = 2.4.1"
			print "dovecot_storage_version = 2.4.1"
		}
	}
	if (db_kind != "") {
		if (line ~ /^}/) {
			db_flush()
		} else if (match(line, /^[ \t]*driver = /)) {
			db_driver = substr(line, RLENGTH + 1)
		} else if (match(line, /^[ \t]*args = /)) {
			db_args = substr(line, RLENGTH + 1)
		} else {
			db_rest = db_rest line "\n"
		}
		next
	}
	if (line ~ /^(passdb|userdb) \{$/) {
		db_kind = substr(line, 1, 6)
		db_driver = db_args = db_rest = ""
		next
	}
	if (line ~ /^plugin \{$/) {
		in_plugin = 1
		next
	}
	if (in_plugin) {
		if (line ~ /^}/) {
			oauth2_close()
			in_plugin = 0
			next
		}
		sub(/^  /, "", line)
		settings_line(line)
		next
	}
	if (line ~ /^[ \t]*inet_listener /)
		in_listener = 1
	else if (in_listener && line ~ /^[ \t]*}/)
		in_listener = 0
	settings_line(line)
}
