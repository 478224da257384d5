// The orgs and rbac modules' input and output types (they are their API: the schema, OpenAPI and
// SDK). Path parameters keep the route's spelling (orgId, userId, ...), as the input carries them.
#pragma once

#include <bunbase/bunbase.hpp>

namespace bb::saas {

using Id = String<MinLength<1>, MaxLength<100>>;
using Slug = String<Pattern<"^[a-z0-9][a-z0-9-]{1,62}$">>;
using DisplayName = String<MinLength<1>, MaxLength<200>>;
using RoleKey = String<Pattern<"^[a-z][a-z0-9_-]{1,49}$">>;
using PermissionKey = String<Pattern<"^[a-z0-9_-]{1,50}:[a-z0-9_-]{1,50}$">>;
using Description = String<MaxLength<1000>>;

// --- organizations

struct CreateOrganizationInput {
  DisplayName name;
  Slug slug;
};
BOOST_DESCRIBE_STRUCT(CreateOrganizationInput, (), (name, slug))

// An organization as the caller sees it: with the caller's role there.
struct OrganizationView {
  std::string id, name, slug, role, created_at, updated_at;
};
BOOST_DESCRIBE_STRUCT(OrganizationView, (), (id, name, slug, role, created_at, updated_at))

struct OrganizationList {
  std::vector<OrganizationView> items;
};
BOOST_DESCRIBE_STRUCT(OrganizationList, (), (items))

// The organization and what the caller may do in it.
struct CurrentOrganization {
  OrganizationView organization;
  std::vector<std::string> permissions;
};
BOOST_DESCRIBE_STRUCT(CurrentOrganization, (), (organization, permissions))

struct OrgInput {
  Id orgId;
};
BOOST_DESCRIBE_STRUCT(OrgInput, (), (orgId))

struct UpdateOrganizationInput {
  Id orgId;
  std::optional<DisplayName> name;
  std::optional<Slug> slug;
};
BOOST_DESCRIBE_STRUCT(UpdateOrganizationInput, (), (orgId, name, slug))

// --- members

struct MemberView {
  std::string user_id, email, name, role, joined_at;
};
BOOST_DESCRIBE_STRUCT(MemberView, (), (user_id, email, name, role, joined_at))

struct MemberList {
  std::vector<MemberView> items;
};
BOOST_DESCRIBE_STRUCT(MemberList, (), (items))

struct MemberInput {
  Id orgId;
  Id userId;
};
BOOST_DESCRIBE_STRUCT(MemberInput, (), (orgId, userId))

struct ChangeMemberRoleInput {
  Id orgId;
  Id userId;
  RoleKey role;
};
BOOST_DESCRIBE_STRUCT(ChangeMemberRoleInput, (), (orgId, userId, role))

// --- invitations

struct InviteMemberInput {
  Id orgId;
  Email email;
  std::optional<RoleKey> role;  // default: the default role set's member role
};
BOOST_DESCRIBE_STRUCT(InviteMemberInput, (), (orgId, email, role))

struct InvitationView {
  std::string id, org_id, email, role, status;
  std::optional<std::string> invited_by;
  std::string expires_at, created_at;
  std::optional<std::string> responded_at;
};
BOOST_DESCRIBE_STRUCT(InvitationView, (),
                      (id, org_id, email, role, status, invited_by, expires_at, created_at, responded_at))

struct CreatedInvitation {
  InvitationView invitation;
  Secret<> token;  // shown once: only its hash is stored
};
BOOST_DESCRIBE_STRUCT(CreatedInvitation, (), (invitation, token))

struct InvitationList {
  std::vector<InvitationView> items;
};
BOOST_DESCRIBE_STRUCT(InvitationList, (), (items))

struct InvitationInput {
  Id orgId;
  Id invitationId;
};
BOOST_DESCRIBE_STRUCT(InvitationInput, (), (orgId, invitationId))

struct InvitationTokenInput {
  Secret<String<MinLength<1>, MaxLength<200>>> token;
};
BOOST_DESCRIBE_STRUCT(InvitationTokenInput, (), (token))

// --- roles and permissions

struct RoleView {
  std::string key, name, description;
  bool is_system = false;
  std::vector<std::string> permissions;
};
BOOST_DESCRIBE_STRUCT(RoleView, (), (key, name, description, is_system, permissions))

struct RoleList {
  std::vector<RoleView> items;
};
BOOST_DESCRIBE_STRUCT(RoleList, (), (items))

struct CreateRoleInput {
  Id orgId;
  RoleKey key;
  DisplayName name;
  std::optional<Description> description;
  Array<PermissionKey, MaxItems<100>> permissions;
};
BOOST_DESCRIBE_STRUCT(CreateRoleInput, (), (orgId, key, name, description, permissions))

struct UpdateRoleInput {
  Id orgId;
  Id roleKey;
  std::optional<DisplayName> name;
  std::optional<Description> description;
  std::optional<Array<PermissionKey, MaxItems<100>>> permissions;  // replaces the role's set
};
BOOST_DESCRIBE_STRUCT(UpdateRoleInput, (), (orgId, roleKey, name, description, permissions))

struct RoleInput {
  Id orgId;
  Id roleKey;
};
BOOST_DESCRIBE_STRUCT(RoleInput, (), (orgId, roleKey))

struct RolePermissionInput {
  Id orgId;
  Id roleKey;
  PermissionKey permission;
};
BOOST_DESCRIBE_STRUCT(RolePermissionInput, (), (orgId, roleKey, permission))

struct PermissionView {
  std::string key, name, feature;
};
BOOST_DESCRIBE_STRUCT(PermissionView, (), (key, name, feature))

struct PermissionList {
  std::vector<PermissionView> items;
};
BOOST_DESCRIBE_STRUCT(PermissionList, (), (items))

struct RoleSetRoleView {
  std::string key, name;
  bool is_creator_role = false;
  bool is_default_member_role = false;
};
BOOST_DESCRIBE_STRUCT(RoleSetRoleView, (), (key, name, is_creator_role, is_default_member_role))

struct RoleSetView {
  std::string key, name;
  bool is_primary = false;
  bool is_default = false;
  std::vector<RoleSetRoleView> roles;
};
BOOST_DESCRIBE_STRUCT(RoleSetView, (), (key, name, is_primary, is_default, roles))

struct RoleSetList {
  std::vector<RoleSetView> items;
};
BOOST_DESCRIBE_STRUCT(RoleSetList, (), (items))

// --- the catalog, changed by the operator only (catalog_admin_actions.cpp)

using FeatureKey = String<Pattern<"^[a-z][a-z0-9_-]{0,49}$">>;
// A new permission, <feature>:<action>: both parts start with a letter and neither holds "*" (an
// API key scope's wildcard), so every key created is also a PermissionKey grantPermission takes.
using NewPermissionKey = String<Pattern<"^[a-z][a-z0-9_-]{0,49}:[a-z][a-z0-9_-]{0,49}$">>;

struct CreatePermissionInput {
  NewPermissionKey key;
  DisplayName name;
  std::optional<FeatureKey> feature;  // default and only accepted value: the key's <feature> part
};
BOOST_DESCRIBE_STRUCT(CreatePermissionInput, (), (key, name, feature))

struct UpdatePermissionInput {
  PermissionKey key;
  std::optional<DisplayName> name;
};
BOOST_DESCRIBE_STRUCT(UpdatePermissionInput, (), (key, name))

struct PermissionInput {
  PermissionKey key;
};
BOOST_DESCRIBE_STRUCT(PermissionInput, (), (key))

struct RoleSetRoleInput {
  RoleKey role;  // a system role
  std::optional<bool> is_creator_role;
  std::optional<bool> is_default_member_role;
};
BOOST_DESCRIBE_STRUCT(RoleSetRoleInput, (), (role, is_creator_role, is_default_member_role))

struct CreateRoleSetInput {
  RoleKey key;
  DisplayName name;
  Array<RoleSetRoleInput, MinItems<1>, MaxItems<50>> roles;
};
BOOST_DESCRIBE_STRUCT(CreateRoleSetInput, (), (key, name, roles))

struct UpdateRoleSetInput {
  Id key;
  std::optional<DisplayName> name;
  std::optional<bool> is_default;  // true makes it the one default set
};
BOOST_DESCRIBE_STRUCT(UpdateRoleSetInput, (), (key, name, is_default))

struct RoleSetInput {
  Id key;
};
BOOST_DESCRIBE_STRUCT(RoleSetInput, (), (key))

// The action lists the feature assembles into its two modules.
std::vector<Action> organization_actions();
std::vector<Action> member_actions();
std::vector<Action> invitation_actions();
std::vector<Action> role_actions();
std::vector<Action> catalog_actions();
std::vector<Action> catalog_admin_actions();

}  // namespace bb::saas
