from django.urls import path

from . import views

urlpatterns = [
    path("api/getPosts/", views.post_list, name="post-list"),
    path("posts/create/", views.create_post, name="post-create"),
    path("api/feed/", views.post_feed, name="post-feed"),
    path("api/posts/", views.search_posts, name="post-search"),
    path("authors/<int:author_id>/posts/", views.posts_by_author, name="author-posts"),
]
